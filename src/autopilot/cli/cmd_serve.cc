// autopilot serve [--store FILE] [--host ADDR] [--port N] [--allow-remote]: the local read-only
// web viewer of a run store.

#include <pthread.h>
#include <signal.h>

#include <CLI/CLI.hpp>
#include <iostream>
#include <thread>

#include "autopilot/cli/app.h"
#include "autopilot/cli/command.h"
#include "autopilot/cli/output.h"
#include "autopilot/serve/server.h"
#include "autopilot/util/files.h"

namespace autopilot::cli {

CommandRunner SetupServe(CLI::App* sub, GlobalOptions* globals) {
  auto o = std::make_shared<serve::ServeOptions>();
  sub->add_option("--store", o->store, "Store file (default: $AUTOPILOT_STORE, else paths.store)");
  sub->add_option("--host", o->host,
                  "Address to listen on (default 127.0.0.1; a non-loopback address needs --allow-remote)");
  sub->add_option("--port", o->port, "TCP port (default 8765; 0 = any free port, printed)");
  sub->add_flag("--allow-remote", o->allow_remote,
                "Allow a non-loopback --host: everyone who can reach it sees the store's prompts, "
                "replies and code, without authentication (a warning is printed)");
  sub->footer(
      "Pages: sweeps and cells with success rates, a cell's runs, a run's attempts (prompt, reply, "
      "code, diff against the previous attempt, each layer's diagnostics with taxonomy ids and the code line, "
      "tokens, latency, cost, the board's serial output and per-sample verdicts), live progress; "
      "filters by model, format, stage and taxonomy id. The store is opened read-only; JSON under /api/. "
      "Stop with Ctrl-C.");
  return [globals, o]() -> int {
    auto path = ResolveStorePath(*globals, o->store);
    if (!path) return ReportFailure(globals->json, path.error());
    serve::ServeOptions options = *o;
    options.store = *path;
    options.assets_dir = util::DataPath("web/serve");
    // SIGINT and SIGTERM are taken by one thread that stops the server; every other thread
    // (httplib's pool is started by Run) inherits the blocked mask.
    sigset_t stop_signals;
    sigemptyset(&stop_signals);
    sigaddset(&stop_signals, SIGINT);
    sigaddset(&stop_signals, SIGTERM);
    sigset_t previous;
    pthread_sigmask(SIG_BLOCK, &stop_signals, &previous);
    auto server = serve::Server::Bind(options);
    if (!server) {
      pthread_sigmask(SIG_SETMASK, &previous, nullptr);
      return ReportFailure(globals->json, server.error());
    }
    if (!serve::IsLoopbackHost(options.host)) {
      PrintError("warning: serving " + options.store + " on " + options.host +
                 ", beyond this machine, without authentication: anyone who can reach it reads every "
                 "prompt, reply and piece of code in the store");
    }
    if (globals->json) {
      PrintJson({{"url", (*server)->Url()}, {"port", (*server)->port()}, {"store", options.store}});
    } else {
      std::cout << "serving " << options.store << " (read-only) at " << (*server)->Url() << std::endl;
    }
    std::cout.flush();
    serve::Server* s = server->get();
    std::thread watcher([s, stop_signals] {
      int sig = 0;
      sigwait(&stop_signals, &sig);
      s->Stop();
    });
    auto ran = s->Run();
    // Run ended without a signal (listener failure): wake the watcher so it can be joined.
    if (!ran) pthread_kill(watcher.native_handle(), SIGTERM);
    watcher.join();
    pthread_sigmask(SIG_SETMASK, &previous, nullptr);
    if (!ran) return ReportFailure(globals->json, ran.error());
    return kExitOk;
  };
}

}  // namespace autopilot::cli
