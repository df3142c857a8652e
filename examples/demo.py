#!/usr/bin/env python3
"""The mHero end-to-end demo: a whole deployment on this machine, on loopback.

OpenInfoMan and RapidPro emulators (real HTTP servers speaking the documented APIs), one central
node and three district nodes, all real `mhero` processes:
  district 1 (D01) syncs through a slow 2G-like link that keeps cutting (tools/linksim),
  district 2 (D02) syncs over a fine link,
  district 3 (D03) has no link at all: USB bundles both ways, one leg relayed through D02.
Run by examples/demo.sh (which installs and builds first). Exits 0 only if every check holds.
"""
import argparse
import json
import os
import re
import shutil
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from demo_lib import (BUILD, ROOT, Checks, Processes, free_port, mhero, mhero_json, say, step,  # noqa: E402
                      table, wait_until)

# The shared reference data sits beside the repository (../shared); MHERO_SHARED overrides.
SHARED_CSD = Path(os.environ.get("MHERO_SHARED") or next(
    (p for p in (ROOT.parent / "shared", ROOT.parent.parent / "shared") if p.exists()),
    ROOT.parent / "shared")) / "data" / "csd"
TOKEN = "demo-token-0123456789abcdef"
SURVEY_FLOW = "f3a8c2d1-5b6e-4f70-9a1b-2c3d4e5f6a7b"
DISTRICTS = {"d1": "D01", "d2": "D02", "d3": "D03"}
OPENHIM_USER, OPENHIM_PASSWORD = "root@openhim.org", "demo-openhim-" + os.urandom(4).hex()
DHIS2_TOKEN = "d2pat_demo" + os.urandom(12).hex()
# Which flow results become which DHIS2 data elements (README.md "DHIS2").
DHIS2_MAPPING = f"""[[value]]
flow = "{SURVEY_FLOW}"
result = "stock_level"
data_element = "sTkLvl00001"
period = "weekly"
aggregation = "mean"

[[value]]
flow = "{SURVEY_FLOW}"
result = "stockout"
data_element = "sTkOut00001"
period = "weekly"
aggregation = "last"
"""


def set_config(node, section, **values):
    """Sets keys of one [section] of a node's config.toml (a line-level edit that keeps comments)."""
    path = Path(node) / "config.toml"
    lines = path.read_text().splitlines()
    start = next(i for i, l in enumerate(lines) if re.match(rf"\[{section}\]", l))
    end = next((i for i in range(start + 1, len(lines)) if lines[i].startswith("[")), len(lines))
    for key, value in values.items():
        text = f"{key} = {json.dumps(value)}"
        for i in range(start + 1, end):
            if re.match(rf"{key}\s*=", lines[i]):
                lines[i] = text
                break
        else:
            lines.insert(end, text)
            end += 1
    path.write_text("\n".join(lines) + "\n")


def live_frontier(node):
    """{(author, scope): seq} from the status file a running `mhero run` keeps up to date
    (<node>/sync-status.json): reading it does not disturb the daemon."""
    try:
        report = json.loads((Path(node) / "sync-status.json").read_text())
    except (OSError, ValueError):
        return {}
    return {(f["author"], f["scope"]): f["seq"] for f in report.get("feeds", [])}


def frontier_of(node):
    """{(author, scope): seq} from `mhero log show --json` (the node's whole log)."""
    front = {}
    for e in mhero_json("log", "show", node=node):
        key = (e["author"], e["scope"])
        front[key] = max(front.get(key, 0), e["seq"])
    return front


def held_by_district(central_front, code):
    return {k: v for k, v in central_front.items() if k[1] in ("national", f"district/{code}")}


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", default=str(ROOT / "demo-data"), help="folder for all node data (replaced)")
    ap.add_argument("--providers", type=int, default=3000, help="generated health workers")
    ap.add_argument("--quick", action="store_true", help="smaller country (600 workers), same steps")
    ap.add_argument("--keep-running", action="store_true", help="leave nodes and emulators up at the end")
    ap.add_argument("--registry", choices=("csd", "mcsd"), default="csd",
                    help="the central node's registry source: OpenInfoMan (CSD, default) or an mCSD (FHIR R4) "
                         "server, the FHIR emulator serving the same country as iHRIS 5 would")
    args = ap.parse_args()
    providers = 600 if args.quick else args.providers
    data = Path(args.data).resolve()
    shutil.rmtree(data, ignore_errors=True)
    data.mkdir(parents=True)
    procs = Processes(data)
    checks = Checks()
    nodes = {name: data / name for name in ("central", "d1", "d2", "d3")}
    stick = data / "usb-stick"
    stick.mkdir()
    try:
        step(f"1. a country: {providers} generated health workers in 3 districts + the real CSD files")
        country = data / "country.xml"
        r = __import__("subprocess").run(
            [str(BUILD / "tools/gen-registry/gen-registry"), "--providers", str(providers), "--districts", "3",
             "--seed", "7", "--out", str(country)], capture_output=True, text=True, check=True)
        say(r.stdout.strip() or r.stderr.strip())
        real = [SHARED_CSD / f for f in ("CSD-Providers-Connectathon-20150120.xml",
                                         "CSD-Facilities-Connectathon-20150120.xml",
                                         "CSD-Organizations-Connectathon-20150120.xml")]
        oim_port, rp_port, sync_port, link_port = free_port(), free_port(), free_port(), free_port()
        procs.start("openinfoman", [BUILD / "tools/openinfoman-emulator/openinfoman-emulator", "--port", oim_port,
                                    "--user", "mhero", "--password", "oim-secret", "--document", "Providers",
                                    country, *real], ready_text="serving")
        procs.start("rapidpro", [BUILD / "tools/rapidpro-emulator/rapidpro-emulator", "--port", rp_port,
                                 "--token", TOKEN, "--flow", f"{SURVEY_FLOW}=Stock survey",
                                 "--answer", "stock_level=12", "--answer", "stockout=no",
                                 "--answer-delay-ms", "1500", "--broadcast-reply", "OK received"],
                    ready_text="listening")
        say(f"OpenInfoMan emulator on :{oim_port}, RapidPro emulator on :{rp_port}")
        if args.registry == "mcsd":
            fhir_dir, fhir_port = data / "fhir", free_port()
            r = __import__("subprocess").run([sys.executable, str(ROOT / "examples/csd_to_mcsd.py"), str(country),
                                              str(fhir_dir)], capture_output=True, text=True, check=True)
            procs.start("fhir", [BUILD / "tools/fhir-emulator/fhir-emulator", "--port", fhir_port, "--auth", "bearer",
                                 "--token", "demo-fhir-token", fhir_dir / "bundle-country.json"],
                        ready_text="fhir-emulator serving")
            say(f"FHIR emulator (mCSD, as iHRIS 5) on :{fhir_port}: the same country as {r.stdout.strip()}")
        # OpenHIM (emulated: core needs MongoDB) drives the central node's dispatch and answers.
        oh_port, trigger_port = free_port(), free_port()
        procs.start("openhim", [BUILD / "tools/openhim-emulator/openhim-emulator", "--port", oh_port,
                                "--password", OPENHIM_PASSWORD], ready_text="openhim-emulator: API")
        say(f"OpenHIM emulator on :{oh_port}")
        # DHIS2 (emulated: it needs Java and PostgreSQL): the same country's facilities as org units
        # (code = the CSD facility entityID) under districts D01-D03, beside a generated SL-shaped tree.
        dhis2_port = free_port()
        dhis2_csd = country
        if args.registry == "mcsd":
            # The facilities the central node holds are the mCSD server's Locations ("Location/<id>"):
            # this DHIS2 gives them those codes, as [dhis2] match = "code" expects.
            from csd_to_mcsd import fhir_id
            text = country.read_text()
            a, b = text.index("<facilityDirectory"), text.index("</facilityDirectory>")
            block = re.sub(r'<facility entityID="([^"]+)"',
                           lambda m: f'<facility entityID="Location/{fhir_id(m.group(1))}"', text[a:b])
            dhis2_csd = data / "dhis2-country.xml"
            dhis2_csd.write_text(text[:a] + block + text[b:])
        procs.start("dhis2", [BUILD / "tools/dhis2-emulator/dhis2-emulator", "--port", dhis2_port, "--token",
                              DHIS2_TOKEN, "--csd", dhis2_csd], ready_text="dhis2-emulator: Web API")
        say(f"DHIS2 emulator on :{dhis2_port}")

        step("2. nodes: one central, three districts, enrolled by the central node")
        mhero("init", "--role", "central", node=nodes["central"])
        central_id = mhero("id", node=nodes["central"], quiet=True).stdout.strip()
        ids = {}
        for name, code in DISTRICTS.items():
            mhero("init", "--role", "district", "--district", code, "--central-key", central_id, node=nodes[name])
            ids[name] = mhero("id", node=nodes[name], quiet=True).stdout.strip()
            mhero("enroll", "--district", code, "--key", ids[name], "--label", f"{code} office", node=nodes["central"])
        fast = dict(poll_interval_ms=2000, local_check_ms=300, retry_initial_ms=300, retry_cap_ms=3000,
                    idle_timeout_ms=20000)
        set_config(nodes["central"], "sync", listen=f"127.0.0.1:{sync_port}", **fast)
        if args.registry == "mcsd":
            set_config(nodes["central"], "mcsd", url=f"http://127.0.0.1:{fhir_port}/fhir", auth="bearer",
                       token="demo-fhir-token", job_cadre_map_file=str(fhir_dir / "job-cadre.csv"))
        else:
            set_config(nodes["central"], "openinfoman", url=f"http://127.0.0.1:{oim_port}", username="mhero",
                       password="oim-secret", provider_document="Providers", facility_document="Providers",
                       organization_document="Providers")
        set_config(nodes["central"], "rapidpro", url=f"http://127.0.0.1:{rp_port}", token=TOKEN,
                   poll_interval_ms=1000)
        set_config(nodes["central"], "openhim", url=f"http://127.0.0.1:{oh_port}", username=OPENHIM_USER,
                   password=OPENHIM_PASSWORD, listen=f"127.0.0.1:{trigger_port}", schedule="openhim",
                   trigger_password="demo-" + os.urandom(6).hex(), heartbeat_ms=2000,
                   registry_pull_schedule="1 hours", dispatch_schedule="2 seconds",
                   responses_schedule="2 seconds")
        (nodes["central"] / "dhis2-token").write_text(DHIS2_TOKEN + "\n")
        (nodes["central"] / "dhis2-token").chmod(0o600)
        (nodes["central"] / "dhis2-mapping.toml").write_text(DHIS2_MAPPING)
        (nodes["central"] / "dhis2-mapping.toml").chmod(0o600)  # The node's files are its own (data at rest).
        set_config(nodes["central"], "dhis2", url=f"http://127.0.0.1:{dhis2_port}", token_file="dhis2-token",
                   match="code", district_level=2, facility_level=4, mapping_file="dhis2-mapping.toml")
        set_config(nodes["d1"], "sync", peers=[f"127.0.0.1:{link_port}"], **fast)
        set_config(nodes["d2"], "sync", peers=[f"127.0.0.1:{sync_port}"], **fast)
        set_config(nodes["d3"], "sync", peers=[])
        # The central node serves the reconciliation console (HTTPS, a certificate generated at
        # first start); ministry staff log in with the account made here.
        console_port = free_port()
        set_config(nodes["central"], "console", listen=f"127.0.0.1:{console_port}")
        # The ministry's IT staff scrape the central node with Prometheus; D02 logs JSON lines.
        metrics_port = free_port()
        set_config(nodes["central"], "metrics", listen=f"127.0.0.1:{metrics_port}")
        set_config(nodes["d2"], "log", format="json")
        console_password = "demo-" + os.urandom(6).hex()
        password_file = data / "console-password.txt"
        password_file.write_text(console_password + "\n")
        password_file.chmod(0o600)
        mhero("console", "user", "add", "ministry", "--role", "admin", "--password-file", password_file,
              node=nodes["central"])

        step("3. links: D01 behind a 2G-like link that cuts, D02 direct, D03 none; daemons start")
        procs.start("linksim-d01", [BUILD / "tools/linksim", "--listen-port", link_port, "--target",
                                    f"127.0.0.1:{sync_port}", "--bandwidth-bps", "96000", "--latency-ms", "150",
                                    "--random-cut-max-bytes", "60000", "--seed", "2026"])
        procs.start("central", [BUILD / "src/mhero", "run", "--dir", nodes["central"]], ready_text="mhero run:")
        say(mhero("openhim", "install-channels", node=nodes["central"]).stdout.strip())
        console = {"url": f"https://127.0.0.1:{console_port}/", "user": "ministry", "password": console_password}
        for name in ("d1", "d2"):
            procs.start(name, [BUILD / "src/mhero", "run", "--dir", nodes[name]], ready_text="mhero run:")

        step("4. the central node pulls the registry from " +
             ("the mCSD server (FHIR R4)" if args.registry == "mcsd" else "OpenInfoMan"))
        # With [dhis2] set, `registry pull` also pulls DHIS2's org units; `dhis2 pull` alone then
        # re-reads only what changed since the mark (minus overlap_ms) and writes nothing.
        pulled = mhero("registry", "pull", node=nodes["central"]).stdout.strip().splitlines()
        say("\n".join(l for l in pulled if l.startswith(("openinfoman", "mcsd ", "dhis2 ", "records:", "wrote "))))
        say(mhero("registry", "stats", node=nodes["central"], quiet=True).stdout.rstrip())
        pulled = mhero("dhis2", "pull", node=nodes["central"]).stdout.strip().splitlines()
        say("\n".join(l for l in pulled if l.startswith(("dhis2 ", "wrote "))))
        if args.registry == "mcsd":
            sources = {p["source"].split(":")[0] for p in mhero_json("registry", "list", node=nodes["central"])}
            checks.check("registry: the central node's providers come from the mCSD server", sources == {"mcsd"},
                         ", ".join(sorted(sources)))

        step("5. registry records reach D01 (slow link) and D02; D03 gets them by USB later")
        central_front = frontier_of(nodes["central"])
        for name in ("d1", "d2"):
            want = held_by_district(central_front, DISTRICTS[name])
            wait_until(lambda: all(live_frontier(nodes[name]).get(k, 0) >= v for k, v in want.items()),
                       300, f"{name} to receive its registry", interval=1)
            say(f"{name}: " + mhero("registry", "stats", node=nodes[name], quiet=True).stdout.splitlines()[0])

        step("6. messages: D01 starts a stock survey flow for its nurses; central sends an urgent text to all CHAs")
        mhero("send", "--flow", SURVEY_FLOW, "--cadre", "RN", "--yes", node=nodes["d1"])
        mhero("send", "--text", "URGENT: suspected cholera cases reported. Report any case today.", "--text-lang",
              "fra=URGENT: cas suspects de cholera. Signalez tout cas aujourd'hui.", "--cadre", "CHA", "--urgent",
              "--yes", node=nodes["central"])

        step("7. D03 has no link: a USB bundle to the central node, relayed through D02's server")
        mhero("send", "--text", "Routine: please confirm your facility is open this week.", "--cadre", "CM",
              "--yes", node=nodes["d3"])
        mhero("bundle", "export", "--to", "central", "--with-status", "--out", stick / "d03-to-central.mhb", node=nodes["d3"])
        mhero("bundle", "inspect", stick / "d03-to-central.mhb")
        mhero("bundle", "import", stick / "d03-to-central.mhb", node=nodes["d2"])  # kept for relay
        mhero("bundle", "export", "--to", "central", "--out", stick / "d02-to-central.mhb", node=nodes["d2"])
        mhero("bundle", "import", *sorted(stick.glob("d02-to-central*")), node=nodes["central"])

        step("8. the central node dispatches through RapidPro; health workers answer")
        def all_dispatched():
            msgs = mhero_json("messages", "list", node=nodes["central"])
            return len(msgs) == 3 and all(m["state"] == "dispatched" for m in msgs)
        wait_until(all_dispatched, 240, "all three messages to be dispatched", interval=4)
        def answered():
            msgs = mhero_json("messages", "list", node=nodes["central"])
            return all(m["responses"] > 0 for m in msgs)
        wait_until(answered, 240, "answers to every message", interval=4)

        step("8a. DHIS2: the central node pushes D01's stock survey answers as data values")
        check_dhis2(nodes["central"], dhis2_port, checks)

        step("8b. D02 corrects a health worker's phone; the central node accepts; D02 targets the new number")
        worker = next(p for p in mhero_json("registry", "list", "--district", "D02", node=nodes["d2"])
                      if p["mobile"] and p["status"] == "active")
        new_phone = "+231776543210" if worker["mobile"] != "+231776543210" else "+231776543211"
        proposed = mhero("registry", "correct", worker["entity_id"], "--phone", new_phone, "--note",
                         "new number confirmed by phone", "--user", "d02-officer", node=nodes["d2"]).stdout
        correction = re.search(r"proposed correction (\S+)", proposed).group(1)
        wait_until(lambda: any(c["id"] == correction
                               for c in mhero_json("registry", "corrections", "list", node=nodes["central"])),
                   120, "the correction to reach the central node", interval=1)
        mhero("registry", "corrections", "decide", correction, "--accept", "--reviewer", "ministry",
              node=nodes["central"])
        wait_until(lambda: any(c["id"] == correction and c["state"] == "accepted"
                               for c in mhero_json("registry", "corrections", "list", node=nodes["d2"])),
                   120, "D02 to learn the decision", interval=1)
        shown = next(p for p in mhero_json("registry", "list", "--district", "D02", node=nodes["d2"])
                     if p["entity_id"] == worker["entity_id"])
        checks.check("corrections: D02 sees its correction accepted and holds the new number",
                     shown["mobile"] == new_phone, f"{worker['entity_id']}: {worker['mobile']} -> {shown['mobile']}")
        preview = mhero("send", "--entity", worker["entity_id"], "--text", "Your new number is on file.",
                        node=nodes["d2"], input_text="n\n", check=False).stdout
        checks.check("corrections: `mhero send` at D02 targets the corrected health worker",
                     "reach 1 health worker" in preview)

        # Staff log in before the last exchanges: the login is an audit entry in the central
        # node's feed, and it travels to the districts like everything else.
        step("9. the reconciliation console (central node, HTTPS)")
        check_console(console, procs.log_text("central"), checks)

        step("10. central -> D03 by USB: registry, messages, answers (and the receipt)")
        mhero("bundle", "export", "--to", ids["d3"], "--out", stick / "central-to-d03.mhb", node=nodes["central"])
        mhero("bundle", "import", *sorted(stick.glob("central-to-d03*")), node=nodes["d3"])
        mhero("bundle", "import", *sorted(stick.glob("central-to-d03*")), node=nodes["d3"])  # again: no-op

        step("11. answers reach the districts that own them")
        time.sleep(1)
        central_front = frontier_of(nodes["central"])
        for name in ("d1", "d2"):
            want = held_by_district(central_front, DISTRICTS[name])
            wait_until(lambda: all(live_frontier(nodes[name]).get(k, 0) >= v for k, v in want.items()),
                       300, f"{name} to converge", interval=1)
        step("12. monitoring: the central node's /metrics, as Prometheus scrapes it")
        check_metrics(metrics_port, checks)
        transactions = fetch_openhim_transactions(oh_port)  # Before the central node stops.
        if not args.keep_running:
            for name in ("d1", "d2", "central"):
                procs.stop(name)
            check_logs(procs, [country, *real], checks)
        summarize(nodes, rp_port, checks)
        openhim_transactions(transactions, checks)
        say(f"\nconsole: {console['url']}  user {console['user']}  password {console['password']}"
            + ("" if args.keep_running else "  (run with --keep-running to keep it up)"))
    finally:
        if args.keep_running and not getattr(sys, "last_value", None):
            say(f"\nnodes and emulators keep running (--keep-running); logs in {data / 'logs'}")
        else:
            procs.stop_all()
    ok = verify_all(nodes, checks) and checks.report()
    say(f"\nall node data is in {data}; explore it, e.g.: build/src/mhero registry stats --dir {nodes['d1']}")
    say("demo: " + ("ok" if ok else "FAILED"))
    return 0 if ok else 1


def check_dhis2(central, port, checks):
    """`mhero dhis2 push` (POST /api/dataValueSets) and DHIS2's import summary, then the same push
    again: no value is posted twice (only answers that arrived in between may add values), and
    DHIS2 holds each value once."""
    import urllib.request

    def dhis2_get(path):
        request = urllib.request.Request(f"http://127.0.0.1:{port}{path}",
                                         headers={"Authorization": f"ApiToken {DHIS2_TOKEN}"})
        return json.loads(urllib.request.urlopen(request, timeout=30).read())

    out = mhero("dhis2", "push", node=central).stdout
    lines = out.strip().splitlines()
    say("\n".join(lines[:1] + [l for l in lines[1:] if not l.startswith("  [")][:8]))
    push = json.loads(mhero("dhis2", "status", "--json", node=central, quiet=True).stdout)[0]
    summary = push.get("summary") or {}
    count = summary.get("importCount", {})
    d01 = {v["orgUnit"] for v in push["sent"]}
    units = dhis2_get("/api/organisationUnits.json?paging=false&fields=id,parent[code]&filter=id:in:["
                      + ",".join(sorted(d01)) + "]")
    chiefdoms = {u.get("parent", {}).get("code") for u in units["organisationUnits"]}
    checks.check("dhis2: D01's stock levels reached DHIS2 as data values for D01's facilities (import summary SUCCESS)",
                 summary.get("status") == "SUCCESS" and count.get("imported", 0) == len(push["sent"]) > 0
                 and not summary.get("conflicts") and chiefdoms == {"D01-CH"},
                 f"{len(push['sent'])} values for {len(d01)} facilities: imported {count.get('imported')}, "
                 f"updated {count.get('updated')}, ignored {count.get('ignored')}")
    again = mhero("dhis2", "push", node=central).stdout.splitlines()[0]
    say(again)
    key = lambda v: (v["dataElement"], v["period"], v["orgUnit"])  # noqa: E731
    first = {key(v) for v in push["sent"]}
    latest = json.loads(mhero("dhis2", "status", "--json", node=central, quiet=True).stdout)[0]
    repeated = first & {key(v) for v in latest["sent"]} if latest["at_ms"] != push["at_ms"] else set()
    stored = dhis2_get("/api/dataValueSets.json")["dataValues"]
    held = {key(v) for v in stored}
    checks.check("dhis2: a second push posts no value twice, and DHIS2 holds each value once",
                 not repeated and len(stored) == len(held) and first <= held,
                 f"{again.split(': ', 1)[-1]}; DHIS2 holds {len(stored)}")


def check_console(console, central_log, checks):
    """Logs in to the console as staff would (HTTPS; the certificate is the one whose SHA-256
    fingerprint the central node printed at start) and reads its pages."""
    import hashlib
    import http.cookiejar
    import ssl
    import urllib.parse
    import urllib.request
    printed = re.search(r"fingerprint[^:]*: ([0-9A-F:]{95})", central_log)
    host, port = console["url"].split("//")[1].rstrip("/").split(":")
    pem = ssl.get_server_certificate((host, int(port)))
    served = hashlib.sha256(ssl.PEM_cert_to_DER_cert(pem)).hexdigest().upper()
    served = ":".join(served[i:i + 2] for i in range(0, len(served), 2))
    checks.check("console: its certificate matches the fingerprint mhero run printed",
                 bool(printed) and printed.group(1) == served, served[:23] + "…")
    context = ssl.create_default_context()
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE  # Self-signed; pinned by the fingerprint check above.
    opener = urllib.request.build_opener(urllib.request.HTTPSHandler(context=context),
                                         urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))
    form = urllib.parse.urlencode({"user": console["user"], "password": console["password"], "next": "/"}).encode()
    home = opener.open(console["url"] + "login", data=form, timeout=30)
    page = home.read().decode()
    checks.check("console: staff log in over HTTPS", home.status == 200 and console["user"] in page,
                 f"HTTP {home.status}")
    pages = {}
    for path in ("districts", "alarms", "registry?q=", "audit"):
        try:
            pages[path] = opener.open(console["url"] + path, timeout=30).read().decode()
        except urllib.error.HTTPError as e:
            pages[path] = f"HTTP {e.code}"
    say(f"console pages: " + ", ".join(f"/{p} {len(t)} bytes" for p, t in pages.items()))
    shown = [code for code in DISTRICTS.values() if code in pages["districts"]]
    checks.check("console: the Districts page shows every district", len(shown) == len(DISTRICTS),
                 ", ".join(shown))
    checks.check("console: the audit trail records the login", "login" in pages["audit"])


def check_metrics(port, checks):
    """Scrapes /metrics and checks it with promtool (Debian's prometheus package)."""
    import subprocess
    import urllib.request
    text = urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=30).read().decode()
    samples = {}
    for line in text.splitlines():
        if line and not line.startswith("#"):
            name, value = line.rsplit(" ", 1)
            samples[name] = float(value)
    for name in sorted(samples):
        if name.startswith(("mhero_sync_sessions_total", "mhero_dispatch_", "mhero_district_behind",
                            "mhero_bundle_imports", "mhero_entries_ingested", "mhero_responses_stored")):
            say(f"  {name} {samples[name]:g}")
    lint = subprocess.run(["promtool", "check", "metrics"], input=text, capture_output=True, text=True)
    checks.check("metrics: promtool check metrics accepts /metrics", lint.returncode == 0,
                 (lint.stdout + lint.stderr).strip() or f"{len(samples)} samples")
    sent = samples.get('mhero_dispatch_batches_total{outcome="sent"}', 0)
    checks.check("metrics: dispatch batches and sync sessions are counted",
                 sent > 0 and any(k.startswith("mhero_sync_sessions_total") and v > 0 for k, v in samples.items()),
                 f"{sent:g} batches sent")


def check_logs(procs, csd_files, checks):
    """Nothing personal in the nodes' logs: no health worker's name or phone number from the
    registry files appears in any node's log (the emulators' logs are the outside systems')."""
    import xml.etree.ElementTree as ET
    ns = "{urn:ihe:iti:csd:2013}"
    names, phones = set(), set()
    for f in csd_files:
        for provider in ET.parse(f).iter(ns + "provider"):
            for tag in ("forename", "surname"):
                for el in provider.iter(ns + tag):
                    if el.text and len(el.text.strip()) >= 4:
                        names.add(el.text.strip())
            for el in provider.iter(ns + "contactPoint"):
                for code in el.iter(ns + "codedType"):
                    digits = re.sub(r"\D", "", code.text or "")
                    if len(digits) >= 9:
                        phones.add(digits[-9:])  # The national number, however it is written.
    found = []
    json_lines = 0
    for name in ("central", "d1", "d2"):
        text = procs.log_text(name)
        if name == "d2":
            json_lines = sum(1 for line in text.splitlines() if line.startswith('{"'))
        words = set(re.findall(r"[A-Za-z][A-Za-z'-]{3,}", text))
        numbers = {re.sub(r"\D", "", t) for t in re.findall(r"\+?\d[\d ()-]{7,}\d", text)}
        found += [f"{name}: name {n}" for n in names if n in words]
        found += [f"{name}: phone …{p[-4:]}" for p in phones if any(p in n for n in numbers)]
    checks.check(f"logs: no worker's name or phone in the node logs ({len(names)} names, {len(phones)} phones "
                 "looked for)", not found, ", ".join(found[:5]))
    checks.check("logs: D02 writes one JSON object per line ([log] format = \"json\")", json_lines > 0,
                 f"{json_lines} lines")


def verify_all(nodes, checks):
    for name, node in nodes.items():
        r = mhero("log", "verify", node=node, check=False, quiet=True)
        checks.check(f"{name}: every log entry verifies", r.returncode == 0, r.stdout.strip().splitlines()[-1]
                     if r.stdout.strip() else r.stderr.strip())
    return True


def summarize(nodes, rp_port, checks):
    import urllib.request
    step("summary")
    central_front = frontier_of(nodes["central"])
    rows = []
    for name, node in nodes.items():
        code = DISTRICTS.get(name)
        front = frontier_of(node)
        want = central_front if code is None else held_by_district(central_front, code)
        lag = sum(max(0, v - front.get(k, 0)) for k, v in want.items())
        msgs = mhero_json("messages", "list", node=node)
        states = {}
        for m in msgs:
            s = m["state"].split(" ")[0]
            states[s] = states.get(s, 0) + 1
        responses = mhero_json("responses", "list", node=node)
        stats = mhero("registry", "stats", node=node, quiet=True).stdout
        providers = int(re.search(r"providers: (\d+)", stats).group(1)) if "providers:" in stats else 0
        foreign = sorted({s for (_, s) in front if s.startswith("district/") and code and s != f"district/{code}"})
        rows.append([name, code or "national", sum(front.values()), lag, providers,
                     ", ".join(f"{k} {v}" for k, v in sorted(states.items())) or "-", len(responses)])
        if code:
            checks.check(f"{name}: converged with the central node (frontier lag 0)", lag == 0, f"lag {lag}")
            checks.check(f"{name}: holds no other district's data", not foreign, ", ".join(foreign))
            theirs = {r.get("district") for r in responses}
            checks.check(f"{name}: holds only its own district's answers", theirs <= {code}, str(theirs))
            checks.check(f"{name}: registry holds its own district's workers", providers > 0, f"{providers}")
    table(["node", "scope", "entries", "lag", "registry", "messages", "responses"], rows)

    deliveries = json.loads(urllib.request.urlopen(
        urllib.request.Request(f"http://127.0.0.1:{rp_port}/emulator/deliveries.json",
                               headers={"Authorization": f"Token {TOKEN}"})).read())
    say("")
    rows = []
    for m in mhero_json("messages", "list", node=nodes["central"]):
        rows.append([m["id"][:8], m["scope"], "urgent" if m["urgent"] else "routine",
                     "-" if m["targeted"] is None else m["targeted"], m["sent"],
                     m["state"], m["responses"]])
        checks.check(f"message {m['id'][:8]} ({m['scope']}): every targeted worker reached, none lost",
                     m["state"] == "dispatched" and m["targeted"] > 0 and m["sent"] == m["targeted"],
                     f"{m['sent']}/{m['targeted']}")
        checks.check(f"message {m['id'][:8]}: answers came back", m["responses"] > 0, str(m["responses"]))
    table(["message", "from", "priority", "targeted", "dispatched", "state", "responses"], rows)
    sent = sum(r[4] for r in rows)
    say(f"RapidPro emulator: {deliveries['total']} deliveries to {len(deliveries['by_urn'])} phones, "
        f"{deliveries['duplicates']} duplicates")
    checks.check("RapidPro delivered exactly what was dispatched", deliveries["total"] == sent,
                 f"{deliveries['total']} delivered, {sent} dispatched")
    checks.check("zero duplicate deliveries", deliveries["duplicates"] == 0, str(deliveries["duplicates"]))


def fetch_openhim_transactions(port):
    """OpenHIM's transaction list (GET /transactions)."""
    import base64
    import urllib.request
    auth = base64.b64encode(f"{OPENHIM_USER}:{OPENHIM_PASSWORD}".encode()).decode()
    return json.loads(urllib.request.urlopen(urllib.request.Request(
        f"http://127.0.0.1:{port}/transactions", headers={"Authorization": f"Basic {auth}"})).read())


def openhim_transactions(transactions, checks):
    """Prints OpenHIM's transactions as its console would list them, and checks them."""
    step("OpenHIM transactions (the central node as an OpenHIM mediator, schedule = \"openhim\")")
    per_channel = {}
    rows = []
    for t in transactions:
        name = t.get("channelName", "?").replace("mHero sync - ", "")
        figures = {k: v for k, v in t.get("properties", {}).items() if isinstance(v, int) and v}
        c = per_channel.setdefault(name, {"runs": 0, "statuses": {}, "calls": 0, "figures": {}})
        c["runs"] += 1
        c["statuses"][t["status"]] = c["statuses"].get(t["status"], 0) + 1
        c["calls"] += len(t.get("orchestrations") or [])
        for k, v in figures.items():
            c["figures"][k] = c["figures"].get(k, 0) + v
        if figures:  # The runs that did something, one line each.
            rows.append([t["request"]["timestamp"][11:19], name, t["status"], len(t.get("orchestrations") or []),
                         ", ".join(f"{k} {v}" for k, v in figures.items())])
    table(["time", "channel", "status", "calls", "figures"], rows)
    say("")
    table(["channel", "transactions", "statuses", "calls", "figures (sum)"],
          [[n, c["runs"], ", ".join(f"{k} {v}" for k, v in c["statuses"].items()), c["calls"],
            ", ".join(f"{k} {v}" for k, v in c["figures"].items()) or "-"] for n, c in per_channel.items()])
    dispatch = per_channel.get("dispatch", {"figures": {}, "statuses": {}})
    responses = per_channel.get("responses", {"figures": {}, "statuses": {}})
    checks.check("openhim: OpenHIM's dispatch channel handed the messages to RapidPro",
                 dispatch["figures"].get("messages_dispatched", 0) > 0, str(dispatch["figures"]))
    checks.check("openhim: OpenHIM's response channel stored the answers",
                 responses["figures"].get("responses_stored", 0) > 0, str(responses["figures"]))
    failed = sum(c["statuses"].get("Failed", 0) for c in per_channel.values())
    checks.check("openhim: no failed transaction", failed == 0, f"{failed} failed")


if __name__ == "__main__":
    sys.exit(main())
