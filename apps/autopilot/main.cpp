// The autopilot command: everything lives in the core library; this stays a few lines.
#include "autopilot/cli/app.h"

int main(int argc, char** argv) { return autopilot::cli::Main(argc, argv); }
