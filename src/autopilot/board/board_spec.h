#pragma once
// Boards as data: one folder per board under board/boards/<name>/board.json naming the board's
// identity (display name, FQBN, flash/RAM) and, per on-board sensor, the library a sketch uses
// (folder, #include, global object, methods) and what it measures (units, ranges, sample rates).
// A build combines a toolchain profile (the TFLM API, profile.h) with a board: the board's
// libraries are the only sensor libraries a sketch can include. Adding a board is a folder.

#include <map>
#include <string>
#include <vector>

#include "autopilot/util/result.h"

namespace autopilot::board {

/// The board every caller gets unless it names another (the study's Nano 33 BLE Sense, Rev1).
inline constexpr const char* kDefaultBoard = "nano33ble_sense";

/// The values a library can return for a quantity; beyond them the sensor saturates (clips).
struct ValueRange {
  double min = 0;
  double max = 0;
  bool operator==(const ValueRange&) const = default;
};

/// One thing a sensor measures, e.g. the IMU's acceleration: the calls, the stream columns that
/// feed it on the virtual board (scenario.h), unit, range and how often a new value exists.
struct QuantitySpec {
  /// acceleration, gyroscope, magnetic_field, temperature, humidity, pressure, color, proximity,
  /// gesture
  std::string name;
  /// the call that returns it, e.g. "readAcceleration(float& x, float& y, float& z)"
  std::string read;
  std::string available;    ///< the call saying a new value is ready ("" when there is none)
  std::string sample_rate;  ///< the call reporting the rate ("" when there is none)
  std::vector<std::string> columns;  ///< stream CSV columns, in the order the call returns them
  std::string unit;                  ///< "g", "deg/s", "uT", "C", "%RH", "kPa", "counts", …
  ValueRange range;                  ///< for every column unless column_ranges says otherwise
  std::map<std::string, ValueRange> column_ranges;
  double rate_hz = 0;  ///< new samples per second; 0 = one-shot (a conversion per read)
  std::string note;

  /// The range of one column (its own when given, else `range`).
  ValueRange RangeOf(const std::string& column) const;
  bool operator==(const QuantitySpec&) const = default;
};

/// A library a board offers: what a sketch includes and calls, and what implements it here.
struct LibrarySpec {
  std::string library;     ///< folder under board/sdk/libraries, e.g. Arduino_LSM9DS1
  std::string include;     ///< the header a sketch includes, e.g. Arduino_LSM9DS1.h
  std::string object;      ///< the global object sketches use, e.g. IMU
  std::string class_name;  ///< its class, e.g. LSM9DS1Class
  std::string description;
  std::vector<std::string> methods;  ///< the public API, one signature each
  std::vector<std::string> notes;    ///< what a sketch writer must know (differences, traps)
  /// What an SG prompt states: the calls (default: `methods`) and the notes (default: none).
  std::vector<std::string> prompt_api;
  std::vector<std::string> prompt_notes;
  std::string library_dir;  ///< absolute; the composed folder when the library is an overlay
  std::string runtime;      ///< absolute runtime source implementing it on the virtual board
  bool operator==(const LibrarySpec&) const = default;
};

/// One on-board sensor: an id autopilot.yaml's board.sensors names, its chip and library.
struct SensorSpec {
  std::string id;     ///< APDS9960, IMU, TEMPERATURE_HUMIDITY, PRESSURE
  std::string chip;   ///< e.g. "LSM9DS1", "BMI270 + BMM150"
  std::string begin;  ///< the call that starts it, e.g. "IMU.begin()"
  LibrarySpec library;
  std::vector<QuantitySpec> quantities;

  /// The quantity called `name`, or null.
  const QuantitySpec* Quantity(const std::string& name) const;
  bool operator==(const SensorSpec&) const = default;
};

/// A board: identity, memory, sensors (in the order their libraries are searched) and the other
/// libraries it offers (the BLE radio).
struct BoardSpec {
  std::string name;          ///< the folder name, e.g. nano33ble_sense_rev2
  std::string display_name;  ///< "Arduino Nano 33 BLE Sense Rev2"
  std::string description;
  std::string fqbn;  ///< arduino:mbed_nano:nano33ble
  int64_t flash_kb = 0;
  int64_t ram_kb = 0;
  int64_t max_sketch_bytes = 0;  ///< boards.txt upload.maximum_size
  int64_t max_data_bytes = 0;    ///< boards.txt upload.maximum_data_size
  std::vector<SensorSpec> sensors;
  std::vector<LibrarySpec> libraries;  ///< libraries that are not sensors
  std::string file;                    ///< absolute path of board.json

  /// The sensor with this id (APDS9960, IMU, …), or null when the board has none.
  const SensorSpec* Sensor(const std::string& id) const;
  /// Every library a build on this board may include, sensors first, without repeats.
  std::vector<const LibrarySpec*> AllLibraries() const;
  bool operator==(const BoardSpec&) const = default;
};

/// Names of the boards in <board data>/boards (folders holding a board.json), sorted.
std::vector<std::string> BoardNames();
/// Loads <board data>/boards/<name>/board.json (board data: BoardDataDir(), profile.h). Errors name
/// the file, the key and what is wrong; an unknown board names the boards there are.
Result<BoardSpec> LoadBoard(const std::string& name);
/// LoadBoard over another board data folder (its boards/ and sdk/); libraries with an overlay
/// are composed under `cache_root`.
Result<BoardSpec> LoadBoardFrom(const std::string& board_dir, const std::string& name,
                                const std::string& cache_root);
/// BoardNames over another board data folder.
std::vector<std::string> BoardNamesIn(const std::string& board_dir);

}  // namespace autopilot::board
