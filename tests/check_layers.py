#!/usr/bin/env python3
"""check_layers: the module layering of lib/, checked on every test run.

docs/architecture.md draws lib/ as layers: a module may use modules of its
own layer and of the layers below, never one above, so the store never
reaches up into the daemon and a newcomer can read the code bottom up. Each
third-party library is wrapped by exactly one module (the only file that
includes its header), so replacing or upgrading it touches one file.
Conventions like these erode one "just this once" include at a time; this
check makes them fail the build's tests instead.

Usage: check_layers.py SOURCE_DIR. Prints one line per violation and exits
1, or prints a summary and exits 0. check_layers.py --selftest builds a small
tree with one violation of each rule and fails unless each is reported, so
the check itself cannot quietly stop checking.

To add a module: give it a line in LAYERS. To wrap a new library: give its
header a line in THIRD_PARTY. Files outside lib/ that may include a
third-party or a private header directly (tests that poke at LMDB, the raw
LMDB benchmark, the CLI's JSON output) are listed in OUTSIDE_ALLOWED with
the reason.
"""
import os
import re
import sys

# module -> layer. Lower layers never include higher ones.
LAYERS = {
    # 0: vocabulary every module speaks
    "svc_err": 0,
    "svc_log": 0,
    "svc_types": 0,
    "svc_operator": 0,
    # 1: pure functions and wrappers of one library each, no store
    "svc_crypto": 1,
    "svc_codec": 1,
    "svc_config": 1,
    "svc_rules": 1,
    "svc_cert": 1,
    "svc_proto": 1,
    "svc_transport": 1,
    "svc_nodedir": 1,
    "svc_tz": 1,
    "svc_ledger": 1,
    # 2: the LMDB store (environment, transactions, key/value access)
    "svc_store": 2,
    # 3: what the store holds: the journal of changes and the fold of state
    "svc_journal": 3,
    "svc_fold": 3,
    # 4: the one path into a store, and what is built on it
    "svc_apply": 4,
    "svc_identity": 4,
    "svc_local": 4,
    "svc_access": 4,
    "svc_sync": 4,
    "svc_offline": 4,
    # 5: the composition root (the daemon's event loop and its duties)
    "svc_daemon": 5,
}

# Files whose module is not their stem: the rules of each record kind belong
# to svc_rules, private headers to the module they serve.
ALIASES = [
    (re.compile(r"^rules_.*"), "svc_rules"),
    (re.compile(r"^store_.*"), "svc_store"),
    (re.compile(r"^fold_.*"), "svc_fold"),
    (re.compile(r"^journal_.*"), "svc_journal"),
    (re.compile(r"^svc_daemon_.*"), "svc_daemon"),
    (re.compile(r"^svc_journal_.*"), "svc_journal"),
    (re.compile(r"^svc_fold_.*"), "svc_fold"),
    (re.compile(r"^local_.*"), "svc_local"),
]


def is_private(header):
    """A header only its own module may include: one not named svc_*.h (the
    rules' shared helpers, the store's key/value layer) or a module's
    internal header (svc_<module>_int.h)."""
    return not header.startswith("svc_") or header.endswith("_int.h")

# third-party header -> the one lib/ file that may include it
THIRD_PARTY = {
    "lmdb.h": "svc_store.c",
    "zmq.h": "svc_transport.c",
    "sodium.h": "svc_crypto.c",
    "ini.h": "svc_config.c",
    "svcsync.pb-c.h": "svc_codec.c",
    "protobuf-c/protobuf-c.h": "svc_codec.c",
    "systemd/sd-daemon.h": "svc_daemon.c",
    "jansson.h": None,  # the CLI's, never lib's
}

# Outside lib/: who may include a third-party or a private lib header, and why.
OUTSIDE_ALLOWED = {
    ("tests/test_store.c", "lmdb.h"): "damages a store file on purpose",
    ("tests/test_crypto.c", "sodium.h"): "compares against libsodium directly",
    ("tests/hostile_client.c", "zmq.h"): "a misbehaving peer speaks raw ZeroMQ",
    ("tests/fuzz/fuzz_import.c", "jansson.h"): "feeds the CLI's JSON import",
    ("tools/bench/bench_lmdb.c", "lmdb.h"): "the raw LMDB baseline",
    ("tests/test_fold.c", "store_kv.h"): "fixture kinds keep their states in a database of the real store",
    ("tests/test_local.c", "store_kv.h"): "takes a store back to what an older build left, byte for byte",
    ("tools/bench_lmdb.c", "lmdb.h"): "the raw LMDB baseline",
    ("tools/cli/cli.h", "jansson.h"): "the CLI's JSON output and import",
    ("tools/cli.h", "jansson.h"): "the CLI's JSON output and import",
}

INCLUDE = re.compile(r'^\s*#\s*include\s*([<"])([^>"]+)[>"]', re.M)


def module_of(name):
    stem = os.path.splitext(name)[0]
    for pat, mod in ALIASES:
        if pat.match(stem):
            return mod
    return stem


def includes(path):
    with open(path, encoding="utf-8") as f:
        text = f.read()
    # Strip comments so an include mentioned in prose does not count.
    text = re.sub(r"/\*.*?\*/", "", text, flags=re.S)
    text = re.sub(r"//[^\n]*", "", text)
    return INCLUDE.findall(text)


def check(src):
    lib = os.path.join(src, "lib")
    errors = []
    lib_files = sorted(f for f in os.listdir(lib) if f.endswith((".c", ".h")))
    lib_headers = {f for f in lib_files if f.endswith(".h")}
    public = {f for f in lib_headers if not is_private(f)}
    owners = {}

    for f in lib_files:
        mod = module_of(f)
        if mod not in LAYERS:
            errors.append(f"lib/{f}: module {mod} has no layer (add it to LAYERS in {sys.argv[0]})")
            continue
        for kind, inc in includes(os.path.join(lib, f)):
            if inc in THIRD_PARTY:
                owners.setdefault(inc, []).append(f)
                if THIRD_PARTY[inc] != f:
                    errors.append(f"lib/{f}: includes {inc}, which only "
                                  f"{THIRD_PARTY[inc] or 'code outside lib/'} may include")
                continue
            if kind == '"' and inc in lib_headers:
                other = module_of(inc)
                if other not in LAYERS:
                    continue  # reported for the header itself
                if LAYERS[other] > LAYERS[mod]:
                    errors.append(f"lib/{f}: {mod} (layer {LAYERS[mod]}) includes {inc} "
                                  f"of {other} (layer {LAYERS[other]}), a layer above it")
                # A module's internal header is its own; lib's other private
                # headers (store_kv.h, rules_impl.h) serve the layers above
                # their owner inside lib/, and never the code outside it.
                if inc.endswith("_int.h") and other != mod:
                    errors.append(f"lib/{f}: includes {inc}, private to {other}")
            elif kind == '"' and inc not in lib_headers:
                errors.append(f"lib/{f}: includes \"{inc}\", which is not in lib/ "
                              f"(a third-party header missing from THIRD_PARTY?)")

    for hdr, owner in THIRD_PARTY.items():
        got = owners.get(hdr, [])
        if owner and len(got) > 1:
            errors.append(f"{hdr}: included by {', '.join('lib/' + g for g in got)}; "
                          f"only {owner} may")

    for top in ("daemon", "tools", "tests"):
        for root, _, files in os.walk(os.path.join(src, top)):
            for f in sorted(files):
                if not f.endswith((".c", ".h")):
                    continue
                path = os.path.join(root, f)
                rel = os.path.relpath(path, src)
                for kind, inc in includes(path):
                    private = kind == '"' and inc in lib_headers and inc not in public
                    if inc not in THIRD_PARTY and not private:
                        continue
                    if (rel, inc) not in OUTSIDE_ALLOWED:
                        what = "private lib header" if private else "third-party header"
                        errors.append(f"{rel}: includes {inc}, a {what}; go through lib/ "
                                      f"(or add it to OUTSIDE_ALLOWED with the reason)")

    return errors, lib_files


def selftest():
    import tempfile
    files = {
        "lib/svc_err.h": "",
        "lib/svc_store.h": '#include "svc_err.h"\n',
        "lib/svc_store.c": '#include "svc_store.h"\n#include "svc_daemon.h"\n#include <lmdb.h>\n',
        "lib/svc_daemon.h": "",
        "lib/svc_daemon.c": '#include "svc_daemon.h"\n#include <lmdb.h>\n/* #include <zmq.h> */\n',
        "lib/store_kv.h": "",
        "lib/svc_daemon_int.h": "",
        "lib/svc_journal.c": '#include "svc_daemon_int.h"\n#include "store_kv.h"\n',
        "lib/svc_newthing.c": "",
        "tools/cli/cli_x.c": '#include "store_kv.h"\n#include <zmq.h>\n',
    }
    want = [
        "lib/svc_store.c: svc_store (layer 2) includes svc_daemon.h",
        "lib/svc_daemon.c: includes lmdb.h, which only svc_store.c may include",
        "lmdb.h: included by lib/svc_daemon.c, lib/svc_store.c",
        "lib/svc_newthing.c: module svc_newthing has no layer",
        "lib/svc_journal.c: svc_journal (layer 3) includes svc_daemon_int.h",
        "lib/svc_journal.c: includes svc_daemon_int.h, private to svc_daemon",
        "tools/cli/cli_x.c: includes store_kv.h, a private lib header",
        "tools/cli/cli_x.c: includes zmq.h, a third-party header",
    ]
    with tempfile.TemporaryDirectory() as d:
        for rel, text in files.items():
            os.makedirs(os.path.dirname(os.path.join(d, rel)), exist_ok=True)
            with open(os.path.join(d, rel), "w", encoding="utf-8") as f:
                f.write(text)
        errors, _ = check(d)
    missing = [w for w in want if not any(e.startswith(w) for e in errors)]
    extra = [e for e in errors if not any(e.startswith(w) for w in want)]
    for m in missing:
        print(f"selftest: not reported: {m}")
    for e in extra:
        print(f"selftest: reported wrongly: {e}")
    if missing or extra:
        return 1
    print(f"check_layers selftest: all {len(want)} planted violations reported, nothing else")
    return 0


def main():
    if len(sys.argv) > 1 and sys.argv[1] == "--selftest":
        return selftest()
    src = sys.argv[1] if len(sys.argv) > 1 else "."
    errors, lib_files = check(src)
    for e in errors:
        print(e)
    if errors:
        print(f"check_layers: {len(errors)} violation(s)")
        return 1
    print(f"check_layers: {len(lib_files)} files in lib/, {len(set(map(module_of, lib_files)))} "
          f"modules in {len(set(LAYERS.values()))} layers, each library wrapped once: ok")
    return 0


if __name__ == "__main__":
    sys.exit(main())
