"""Dashboard through Flask's test client: every route, the security model, bad input never a 500."""

from __future__ import annotations

import csv
import io
import json
import struct
import re
import time
import urllib.parse
import zipfile

import pytest
from hypothesis import HealthCheck, given, settings as hsettings, strategies as st

from device.recording import RecordingReader
from device.store import SessionStore
from web import create_app
from web.hub import Client, Hub, Overflow
from web.security import PinLimiter

from service_helpers import cleanup, short_tmp, wait_for
from web_helpers import PIN, FakeDevice, csrf_of, mode_of, pair, seed_store, settings_for

TEST = {"TESTING": True, "BUS_AUTOSTART": False}


@pytest.fixture
def data_dir():
    d = short_tmp()
    yield d
    cleanup(d)


@pytest.fixture
def seeded(data_dir):
    return seed_store(data_dir)


@pytest.fixture
def app(data_dir, seeded):
    a = create_app(settings_for(data_dir), TEST)
    yield a
    a.extensions["smartmat_hub"].stop()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def device(data_dir):
    with FakeDevice(data_dir / "device.sock") as d:
        yield d


def json_error(r, status):
    assert r.status_code == status, (r.status_code, r.get_data(as_text=True)[:300])
    assert r.is_json and isinstance(r.get_json().get("error"), str) and r.get_json()["error"]
    return r.get_json()["error"]


# ---- headers ----------------------------------------------------------------

@pytest.mark.parametrize("path", ["/", "/api/health", "/nope", "/static/css/app.css", "/api/sessions/999"])
def test_security_headers_on_every_response(client, path):
    r = client.get(path)
    csp = r.headers["Content-Security-Policy"]
    assert "default-src 'self'" in csp and "frame-ancestors 'none'" in csp
    assert "unsafe-inline" not in csp and "http" not in csp
    assert r.headers["X-Content-Type-Options"] == "nosniff"
    assert r.headers["Referrer-Policy"] == "no-referrer"
    assert r.headers["X-Frame-Options"] == "DENY"


def test_pages_have_no_inline_script_or_style_and_no_external_urls(client, seeded):
    for path in ("/", "/history", f"/sessions/{seeded['session']}", "/settings", "/pair",
                 f"/settings/profiles/{seeded['profile']}/delete"):
        html = client.get(path).get_data(as_text=True)
        assert "<script>" not in html and "style=" not in html and "onclick" not in html.lower(), path
        assert "http://" not in html and "https://" not in html, path
        for src in re.findall(r'<script src="([^"]+)"', html):
            assert client.get(src).status_code == 200, src


# ---- API ----------------------------------------------------------------------

def test_health_reports_device_disconnected_then_connected(app, client, device):
    h = client.get("/api/health").get_json()
    assert h["status"] == "ok" and h["device"] == "disconnected"
    assert h["mat"] == {"width_m": 0.6, "length_m": 1.8} and h["store"] == "ok"
    app.extensions["smartmat_hub"].start()
    wait_for(lambda: client.get("/api/health").get_json()["device"] == "connected", 5, "connected")
    assert client.get("/api/status").get_json()["exercise"] == "quadruped"


def test_status_without_device_is_503(client):
    json_error(client.get("/api/status"), 503)


def test_sessions_list_and_filters(client, seeded):
    rows = client.get("/api/sessions").get_json()
    assert [r["id"] for r in rows] == [seeded["session"]]
    assert rows[0]["reps_total"] == 3 and rows[0]["profile_name"] == "Ana"
    assert client.get(f"/api/sessions?profile={seeded['profile'] + 1}").get_json() == []
    assert "limit" in json_error(client.get("/api/sessions?limit=abc"), 400)
    json_error(client.get("/api/sessions?limit=0"), 400)
    json_error(client.get("/api/sessions?offset=-1"), 400)
    json_error(client.get("/api/sessions?profile=1e9999"), 400)


def test_session_detail_with_sets_reps_and_comparison(client, seeded):
    s = client.get(f"/api/sessions/{seeded['session']}").get_json()
    assert [len(x["reps"]) for x in s["sets"]] == [2, 1]
    assert s["sets"][0]["reps"][1]["tilt"] is True and s["sets"][0]["reps"][1]["tilt_side"] == "right"
    c = s["comparison"]
    assert c["left"]["reps"] == 2 and c["right"]["reps"] == 1
    assert c["left"]["tilt_pct"] == 50 and c["right"]["tilt_pct"] == 0
    assert c["left"]["rep_s"] == pytest.approx(2.5)


@pytest.mark.parametrize("sid,status", [("999", 404), ("abc", 400), ("-1", 400), ("1.5", 400), ("0", 404),
                                        ("99999999999999999999999", 404), ("%C2%B2", 400)])
def test_bad_session_ids(client, sid, status):
    json_error(client.get(f"/api/sessions/{sid}"), status)
    json_error(client.get(f"/api/sessions/{sid}/export?format=csv"), status)
    json_error(client.get(f"/api/sessions/{sid}/chart"), status)
    r = client.get(f"/sessions/{sid}")
    assert r.status_code == status and r.mimetype == "text/html"


def test_export_csv_one_row_per_rep(client, seeded):
    sid = seeded["session"]
    r = client.get(f"/api/sessions/{sid}/export?format=csv")
    assert r.status_code == 200
    assert r.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert r.headers["Content-Disposition"] == f'attachment; filename="smartmat-session-{sid}.csv"'
    rows = list(csv.DictReader(io.StringIO(r.get_data(as_text=True))))
    assert len(rows) == 3
    assert [(x["set"], x["count"], x["leg"], x["tilt"]) for x in rows] == \
        [("1", "1", "left", "false"), ("1", "2", "left", "true"), ("2", "1", "right", "false")]
    assert rows[1]["tilt_side"] == "right" and float(rows[0]["duration_s"]) == pytest.approx(2.5)
    assert {"lift_s", "hold_s", "lower_s", "ai_peak", "momentum", "arch", "pulses"} <= set(rows[0])


def test_export_json_is_the_spec_object(client, seeded, data_dir):
    sid = seeded["session"]
    r = client.get(f"/api/sessions/{sid}/export?format=json")
    assert r.mimetype == "application/json"
    assert r.headers["Content-Disposition"] == f'attachment; filename="smartmat-session-{sid}.json"'
    with SessionStore.in_dir(data_dir, readonly=True) as s:
        assert json.loads(r.get_data()) == s.session_result(sid)
    assert json.loads(r.get_data())["format"] == "smartmat-analysis v1"


def test_export_recording_parses_as_spec_section_2(client, seeded):
    sid = seeded["session"]
    r = client.get(f"/api/sessions/{sid}/export?format=recording")
    assert r.headers["Content-Disposition"] == f'attachment; filename="smartmat-session-{sid}.recording.csv"'
    text = r.get_data(as_text=True)
    assert text.startswith("# smartmat-recording v1")
    reader = RecordingReader(io.BytesIO(text.encode()), "export")
    frames = list(reader)
    assert len(frames) == 12 * 80 and frames[0].fl == pytest.approx(16.0)


@pytest.mark.parametrize("fmt", ["exe", "../../etc/passwd", "CSV", "", "json;rm"])
def test_unknown_export_format(client, seeded, fmt):
    q = urllib.parse.urlencode({"format": fmt})
    assert "format" in json_error(client.get(f"/api/sessions/{seeded['session']}/export?{q}"), 400)


def test_profile_zip_holds_every_session(client, seeded):
    r = client.get(f"/api/profiles/{seeded['profile']}/export")
    assert r.status_code == 200 and r.mimetype == "application/zip"
    assert f"smartmat-profile-{seeded['profile']}.zip" in r.headers["Content-Disposition"]
    z = zipfile.ZipFile(io.BytesIO(r.get_data()))
    sid = seeded["session"]
    assert sorted(z.namelist()) == sorted([f"smartmat-session-{sid}.csv", f"smartmat-session-{sid}.json",
                                           f"smartmat-session-{sid}.recording.csv", "index.json"])
    assert json.loads(z.read("index.json"))["sessions"][0]["reps"] == 3
    assert json.loads(z.read(f"smartmat-session-{sid}.json"))["reps_total"] == 3
    json_error(client.get("/api/profiles/999/export"), 404)
    json_error(client.get("/api/profiles/x/export"), 400)


def test_chart_is_downsampled_to_10_per_second(client, seeded):
    c = client.get(f"/api/sessions/{seeded['session']}/chart").get_json()
    assert len(c["t"]) == len(c["total"]) == len(c["ai"]) == 120  # 12 s at 10/s
    assert c["total"][0] == pytest.approx(61.5 + 0.0625 * 4, abs=0.5)
    # left = fl + bl > right: asymmetry positive (SPEC 1)
    assert all(a > 0 for a in c["ai"])
    assert len(c["reps"]) == 3 and c["reps"][1]["tilt"] is True


def test_trends_per_session(client, seeded):
    rows = client.get(f"/api/trends?profile={seeded['profile']}").get_json()
    assert rows == [{"id": seeded["session"], "started": rows[0]["started"], "reps": 3, "tilt_pct": 33,
                     "left": 2, "right": 1}]


def test_profiles_api(client):
    assert [p["name"] for p in client.get("/api/profiles").get_json()] == ["Ana", "Ben"]


def test_no_store_yet_is_empty_not_an_error(data_dir):
    app = create_app(settings_for(data_dir), TEST)
    c = app.test_client()
    assert c.get("/api/sessions").get_json() == []
    assert c.get("/api/health").get_json()["store"] == "missing"
    json_error(c.get("/api/sessions/1"), 404)
    assert c.get("/history").status_code == 200 and c.get("/").status_code == 200


# ---- pages ------------------------------------------------------------------

def test_pages_render(client, seeded):
    assert b'id="count"' in client.get("/").data
    h = client.get("/history").get_data(as_text=True)
    assert f'/sessions/{seeded["session"]}' in h and "Ana" in h
    assert client.get(f"/history?profile={seeded['profile']}").status_code == 200
    assert client.get("/history?profile=999").status_code == 404
    assert client.get("/history?profile=abc").status_code == 400
    s = client.get(f"/sessions/{seeded['session']}").get_data(as_text=True)
    assert "Set 1: left leg, 2 reps" in s and "yes, right" in s and "print.css" in s
    assert client.get("/settings").status_code == 200
    m = client.get("/manifest.webmanifest")
    assert m.mimetype == "application/manifest+json"
    icons = json.loads(m.data)["icons"]
    for icon in icons:
        r = client.get(icon["src"])
        assert r.status_code == 200 and r.data[:8] == b"\x89PNG\r\n\x1a\n"
        w, h2 = struct.unpack(">II", r.data[16:24])  # the IHDR chunk's width and height
        assert f"{w}x{h2}" == icon["sizes"]


def test_error_pages_are_html_for_people_json_for_api(client):
    r = client.get("/no/such/page", headers={"Accept": "text/html"})
    assert r.status_code == 404 and r.mimetype == "text/html" and b"Not Found" in r.data
    json_error(client.get("/api/nothing"), 404)
    json_error(client.get("/no/such/page", headers={"Accept": "application/json"}), 404)


def test_path_tricks_in_static_and_file_names(client):
    for path in ("/static/../web-pin", "/static/..%2fweb-secret-key", "/static/%2e%2e/web-pin",
                 "/static/vendor/../../../../etc/passwd"):
        r = client.get(path)
        assert 400 <= r.status_code < 500, path
        assert b"2468" not in r.data


# ---- security: pairing, CSRF, rate limit ------------------------------------

def test_change_needs_pin_and_csrf(client, device):
    token = csrf_of(client, "/")
    assert "pair" in json_error(client.post("/api/device/start_set", headers={"X-CSRF-Token": token}), 403)
    assert device.commands == []
    token = pair(client)
    assert "CSRF" in json_error(client.post("/api/device/start_set"), 400)
    json_error(client.post("/api/device/start_set", headers={"X-CSRF-Token": "forged"}), 400)
    r = client.post("/api/device/start_set", headers={"X-CSRF-Token": token})
    assert r.status_code == 200 and r.get_json()["session"] == 1
    assert device.commands == [("start_set", {})]


def test_get_never_changes_anything(client, device):
    pair(client)
    assert client.get("/api/device/start_set").status_code == 405
    assert client.get("/unpair").status_code == 405
    assert device.commands == []


def test_device_commands_are_checked(client, device):
    token = pair(client)
    post = lambda cmd, body: client.post(f"/api/device/{cmd}", json=body, headers={"X-CSRF-Token": token})  # noqa: E731
    assert post("set_target", {"reps": 15, "sets": 3}).status_code == 200
    assert post("set_target", {"reps": None, "sets": None}).status_code == 200
    assert post("set_exercise", {"exercise": "prone"}).status_code == 200
    assert post("set_leg", {"leg": ""}).status_code == 200
    assert post("select_profile", {"profile": 2}).status_code == 200
    assert post("tare", {}).status_code == 200
    assert device.commands == [("set_target", {"reps": 15, "sets": 3}), ("set_target", {"reps": None, "sets": None}),
                               ("set_exercise", {"exercise": "prone"}), ("set_leg", {"leg": None}),
                               ("select_profile", {"profile": 2}), ("tare", {})]
    assert "reps" in json_error(post("set_target", {"reps": "many"}), 400)
    json_error(post("set_target", {"reps": 5000}), 400)
    json_error(post("set_exercise", {"exercise": "pushups"}), 400)
    json_error(post("set_leg", {"leg": "middle"}), 400)
    json_error(post("calibrate", {"known_kg": "nan"}), 400)
    json_error(post("calibrate", {"known_kg": -3}), 400)
    json_error(post("format_disk", {}), 404)
    r = client.post("/api/device/tare", data="[1, 2", content_type="application/json", headers={"X-CSRF-Token": token})
    json_error(r, 400)
    assert "hardware" in json_error(post("calibrate", {"known_kg": 20}), 409)  # the device's own words
    assert len(device.commands) == 7


def test_device_away_is_503(client):
    token = pair(client)
    assert "not running" in json_error(client.post("/api/device/tare", headers={"X-CSRF-Token": token}), 503)


def test_wrong_pins_are_rate_limited(client):
    token = csrf_of(client)
    for _ in range(5):
        r = client.post("/pair", data={"pin": "0000", "csrf_token": token})
        assert r.status_code == 403 and b"not the PIN" in r.data
    r = client.post("/pair", data={"pin": PIN, "csrf_token": token})  # even the right one, for a while
    assert r.status_code == 429 and 1 <= int(r.headers["Retry-After"]) <= 60
    # another client is not affected
    r = client.post("/pair", data={"pin": PIN, "csrf_token": token}, environ_base={"REMOTE_ADDR": "10.0.0.9"})
    assert r.status_code == 302


def test_pin_limiter_window():
    now = [0.0]
    lim = PinLimiter(5, 60.0, clock=lambda: now[0])
    for _ in range(5):
        assert lim.retry_after("a") == 0
        lim.failed("a")
    assert lim.retry_after("a") == 60
    now[0] = 30.0
    assert lim.retry_after("a") == 30
    now[0] = 60.0
    assert lim.retry_after("a") == 0


def test_pair_rejects_odd_input_and_open_redirects(client):
    token = csrf_of(client)
    for pin in ("", "12345678901234567890", "٢٤٦٨", "2468 OR 1=1"):
        assert client.post("/pair", data={"pin": pin, "csrf_token": token},
                           environ_base={"REMOTE_ADDR": "10.1.1.1"}).status_code == 403
    r = client.post("/pair", data={"pin": PIN, "csrf_token": token, "next": "//evil.example/"})
    assert r.status_code == 302 and r.headers["Location"] == "/"


def test_changing_the_pin_unpairs_every_phone(data_dir, seeded, client):
    pair(client)
    assert client.get("/settings").get_data(as_text=True).count("Unpair this phone") == 1
    other = create_app(settings_for(data_dir, pin="97531"), TEST).test_client()
    other.set_cookie("smartmat", client.get_cookie("smartmat").value)
    assert "Pair with the PIN" in other.get("/settings").get_data(as_text=True)


def test_unpair(client):
    token = pair(client)
    assert client.post("/unpair", data={"csrf_token": token}).status_code == 302
    token = csrf_of(client, "/")
    json_error(client.post("/api/device/tare", headers={"X-CSRF-Token": token}), 403)


def test_huge_body_is_413_not_500(client):
    token = pair(client)
    r = client.post("/settings/profiles", data={"name": "x" * 200_000, "csrf_token": token})
    assert r.status_code == 413
    r = client.post("/api/device/tare", data=b"{" + b" " * 100_000 + b"}", content_type="application/json",
                    headers={"X-CSRF-Token": token})
    json_error(r, 413)


def test_secret_key_and_pin_files_are_private_and_kept(data_dir):
    from device.config import Settings, StorageSettings

    s = Settings(storage=StorageSettings(data_dir=str(data_dir)))
    a = create_app(s, {"BUS_AUTOSTART": False})
    pin = a.config["PAIRING_PIN"]
    assert pin.isdigit() and len(pin) == 6
    for name in ("web-secret-key", "web-pin"):
        assert mode_of(data_dir / name) == 0o600
    b = create_app(s, {"BUS_AUTOSTART": False})
    assert b.config["PAIRING_PIN"] == pin and b.config["SECRET_KEY"] == a.config["SECRET_KEY"]
    assert create_app(settings_for(data_dir, "13579"), TEST).config["PAIRING_PIN"] == "13579"


# ---- profiles and calibration --------------------------------------------------

def test_profiles_crud_with_confirmation(client, seeded, data_dir):
    token = csrf_of(client, "/settings")
    assert client.post("/settings/profiles", data={"name": "Cy", "csrf_token": token}).status_code == 403
    token = pair(client)
    r = client.post("/settings/profiles", data={"name": "Cy", "mass_kg": "70.5", "csrf_token": token})
    assert r.status_code == 302
    assert "already" in client.post("/settings/profiles", data={"name": "Cy", "csrf_token": token}).get_data(as_text=True)
    assert client.post("/settings/profiles", data={"name": "Dee", "mass_kg": "heavy", "csrf_token": token}).status_code == 400
    pid = seeded["profile"]
    r = client.post(f"/settings/profiles/{pid}", data={"name": "Anna", "mass_kg": "", "csrf_token": token})
    assert r.status_code == 302
    assert client.get(f"/settings/profiles/{pid}/delete").status_code == 200  # the confirmation page
    assert client.post(f"/settings/profiles/{pid}/delete", data={"csrf_token": token}).status_code == 400
    assert client.post(f"/settings/profiles/{pid}/delete", data={"confirm": "yes", "csrf_token": token}).status_code == 302
    assert client.post("/settings/profiles/abc/delete", data={"confirm": "yes", "csrf_token": token}).status_code == 400
    assert client.post(f"/settings/profiles/{pid}", data={"name": "Z", "csrf_token": token}).status_code == 404
    with SessionStore.in_dir(data_dir, readonly=True) as s:
        assert [p["name"] for p in s.list_profiles()] == ["Ben", "Cy"]
        assert s.get_session(seeded["session"])["profile_id"] is None  # sessions stay, anonymous


def test_calibration_wizard_shows_the_device_refusal(client, device):
    token = pair(client)
    r = client.post("/settings/calibrate", data={"step": "tare", "csrf_token": token}, follow_redirects=True)
    assert b"Tared" in r.data
    r = client.post("/settings/calibrate", data={"step": "calibrate", "known_kg": "20", "csrf_token": token},
                    follow_redirects=True)
    assert r.status_code == 200 and b"needs the hardware source" in r.data
    assert [c for c, _ in device.commands] == ["tare", "calibrate"]
    assert client.post("/settings/calibrate", data={"step": "x", "csrf_token": token}).status_code == 400
    assert client.post("/settings/calibrate", data={"step": "calibrate", "known_kg": "",
                                                    "csrf_token": token}).status_code == 400


# ---- the live stream ------------------------------------------------------------

def test_sse_hello_then_events_and_keepalive(data_dir, seeded):
    app = create_app(settings_for(data_dir), {**TEST, "SSE_KEEPALIVE_S": 0.05})
    hub = app.extensions["smartmat_hub"]
    r = app.test_client().get("/events", buffered=False)
    assert r.mimetype == "text/event-stream" and r.headers["Cache-Control"] == "no-store"
    it = iter(r.response)
    assert next(it) == b"retry: 2000\n\n"
    hello = next(it).decode()
    assert hello.startswith("data: ") and hello.endswith("\n\n")
    h = json.loads(hello[6:])
    assert h["type"] == "hello" and h["device"] == "disconnected" and h["mat"]["length_m"] == 1.8
    assert next(it) == b": keep-alive\n\n"
    assert hub.clients == 1
    hub.publish({"type": "rep", "count": 3, "set": 1})
    assert json.loads(next(it).decode()[6:]) == {"type": "rep", "count": 3, "set": 1}
    r.close()
    assert hub.clients == 0


def test_sse_client_limit_is_503(data_dir, seeded):
    app = create_app(settings_for(data_dir), {**TEST, "SSE_MAX_CLIENTS": 1})
    c = app.test_client()
    first = c.get("/events", buffered=False)
    r = c.get("/events")
    assert r.status_code == 503 and r.headers["Retry-After"]
    first.close()
    assert c.get("/events", buffered=False).status_code == 200


def test_slow_client_loses_frames_then_is_cut_off_without_blocking_others():
    hub = Hub("/nonexistent", queue_size=8, max_clients=5)
    slow, fast = hub.subscribe(), hub.subscribe()
    got = []
    for i in range(6):
        hub.publish({"type": "frame", "i": i})
        got.append(fast.get(0))
    assert len(got) == 6 and slow.dropped == 2  # frames beyond half the queue are dropped
    for i in range(4):
        hub.publish({"type": "rep", "count": i})
        assert fast.get(0) is not None
    assert slow.overflow is False
    hub.publish({"type": "rep", "count": 9})
    assert slow.overflow is True
    with pytest.raises(Overflow):
        slow.get(0)
    assert fast.get(0) is not None


def test_client_get_times_out_with_none():
    c = Client(4)
    t = time.monotonic()
    assert c.get(0.05) is None and time.monotonic() - t >= 0.04


# ---- never a 500 on bad input ---------------------------------------------------

@hsettings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(part=st.text(max_size=30), fmt=st.text(max_size=12), q=st.text(max_size=12))
def test_fuzzed_urls_never_500(client, part, fmt, q):
    p = urllib.parse.quote(part, safe="")
    for url in (f"/api/sessions/{p}", f"/api/sessions/{p}/export?" + urllib.parse.urlencode({"format": fmt}),
                f"/sessions/{p}", "/api/sessions?" + urllib.parse.urlencode({"limit": q, "profile": fmt}),
                "/history?" + urllib.parse.urlencode({"profile": q}), f"/api/profiles/{p}/export"):
        assert client.get(url).status_code < 500, url


@hsettings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(body=st.dictionaries(st.sampled_from(["reps", "sets", "leg", "exercise", "profile", "known_kg", "x"]),
                            st.one_of(st.none(), st.text(max_size=8), st.integers(), st.floats(), st.booleans()),
                            max_size=4),
       cmd=st.sampled_from(["set_target", "set_leg", "set_exercise", "select_profile", "calibrate", "nope"]))
def test_fuzzed_commands_never_500(client, body, cmd):
    with client.session_transaction() as s:
        from web.security import pin_fingerprint

        s["paired"] = pin_fingerprint(client.application)
        s["csrf"] = "t" * 40
    r = client.post(f"/api/device/{cmd}", json=body, headers={"X-CSRF-Token": "t" * 40})
    assert r.status_code in (400, 404, 503), (r.status_code, r.get_data(as_text=True))


def test_cli_web_is_registered():
    from click.testing import CliRunner

    from device.cli import main

    r = CliRunner().invoke(main, ["web", "--help"])
    assert r.exit_code == 0 and "--port" in r.output and "--data-dir" in r.output


def test_cli_web_bad_config_exits_cleanly(tmp_path):
    from click.testing import CliRunner

    from device.cli import main

    bad = tmp_path / "c.toml"
    bad.write_text('[web]\npin = "12"\n')
    r = CliRunner().invoke(main, ["web", "--config", str(bad)])
    assert r.exit_code == 1 and "pin" in r.output
