#pragma once
// Versioned schema migrations of the run store. Append-only: a released migration never changes.

#include <string>
#include <vector>

#include "autopilot/store/sqlite.h"
#include "autopilot/util/result.h"

namespace autopilot::store {

/// One schema step: applied once, in order, inside a transaction.
struct Migration {
  int version;
  std::string name;
  std::string sql;
};

/// All migrations this build knows, ascending.
const std::vector<Migration>& Migrations();
/// The newest schema version this build knows.
int LatestSchemaVersion();
/// Brings `db` to the latest version; refuses stores newer than this build.
Result<void> Migrate(Database* db);

}  // namespace autopilot::store
