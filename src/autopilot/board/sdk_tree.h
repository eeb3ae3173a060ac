#pragma once
// The board data as folders on disk: exact mirrors of a folder (the sandbox-readable copy of
// board/) and libraries composed from a shared base plus a per-library overlay (overlay.json).

#include <map>
#include <string>
#include <vector>

#include "autopilot/util/result.h"

namespace autopilot::board {

/// What a folder must hold: path relative to it ('/'-separated) → the file to take it from.
using FileSet = std::map<std::string, std::string>;

/// The regular files under `dir`, keyed by their path relative to it.
Result<FileSet> ListTree(const std::string& dir);

/// Makes `dest` hold exactly `files`: copies what is new or differs in content, deletes every
/// file and folder the set lacks (a file replaced by a folder or the other way round included).
/// Copies are written in a sibling folder and renamed into place, so a reader never sees half a
/// file. Files end 0644, folders 0755, so the sandbox user can read them.
Result<void> SyncTree(const FileSet& files, const std::string& dest);

/// SyncTree(ListTree(source), dest): `dest` becomes an exact copy of `source`.
Result<void> MirrorTree(const std::string& source, const std::string& dest);

/// A library's overlay.json: the base folder it builds on and the base files it lacks.
struct Overlay {
  std::string base;                 ///< relative to the SDK folder, e.g. "bases/tflm"
  std::vector<std::string> absent;  ///< base paths (files or folders) the library does not have
};

/// The file a library folder uses to declare itself an overlay.
inline constexpr const char* kOverlayFile = "overlay.json";

/// Parses `path` (an overlay.json). Unknown keys and wrong types are errors naming the file.
Result<Overlay> ParseOverlay(const std::string& path, const std::string& text);

/// The files of a library: its own folder, or — when it holds overlay.json — the base's files,
/// minus those marked absent, with the library's own files added or replacing them.
Result<FileSet> LibraryFiles(const std::string& sdk_dir, const std::string& library_dir);

/// The folder builds use for `library_dir`: the folder itself without an overlay, else the
/// composed library under <cache_root>/libraries/<Name>-<content hash>/<Name> (made once, then
/// reused; a change of any input gives a new folder, so nothing stale is ever read).
Result<std::string> ResolveLibrary(const std::string& sdk_dir, const std::string& library_dir,
                                   const std::string& cache_root);

}  // namespace autopilot::board
