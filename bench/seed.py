#!/usr/bin/env python3
"""Seeds the flash-sale and check-in benchmarks through the public API.

Usage: seed.py BASE_URL OUT_DIR BUYERS CHECKIN_TICKETS FLASH_CAPACITY SELLOUT_CAPACITY

Everything goes through HTTP as a client would: the tenant admin creates an
event with one session, walks the session draft → teaser → presale → on_sale,
adds three free general-admission ticket types (flash: max 1 per order;
sellout: a small one to sell out completely; doors: max 100 per order, for
check-in), registers BUYERS attendees, creates a staff user, buys
CHECKIN_TICKETS door tickets (100 per order) and collects their QR tokens.

Writes to OUT_DIR: env (shell assignments), buyers.txt (one access token a
line), checkin_tokens.txt (one QR token a line).
"""
import json
import sys
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor

BASE, OUT, BUYERS, CHECKIN_N, FLASH_CAP, SELLOUT_CAP = sys.argv[1], sys.argv[2], *map(int, sys.argv[3:7])
PASSWORD = "bench-password-1"


def call(method, path, body=None, token=None, headers=None, ok=(200, 201)):
    h = {"X-Tenant": "bench", "content-type": "application/json"}
    if token:
        h["Authorization"] = "Bearer " + token
    h.update(headers or {})
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(BASE + path, data=data, headers=h, method=method)
    try:
        with urllib.request.urlopen(req, timeout=60) as r:
            status, text = r.status, r.read()
    except urllib.error.HTTPError as e:
        status, text = e.code, e.read()
    if status not in ok:
        raise SystemExit(f"seed: {method} {path} -> {status}: {text[:500]!r}")
    return json.loads(text) if text else None


def login(email):
    return call("POST", "/api/v1/auth/login", {"email": email, "password": PASSWORD})["access_token"]


admin = login("admin@bench.test")
event = call("POST", "/api/v1/events", {
    "title": "Flash sale night", "description": "The benchmark's hot event", "category": "music",
    "venue": "Arena", "status": "published", "starts_at": "2030-03-01T18:00:00Z",
    "ends_at": "2030-03-01T23:30:00Z", "timezone": "Europe/Madrid"}, admin)
session = call("POST", f"/api/v1/events/{event['id']}/sessions", {
    "title": "Main show", "venue": "Main stage", "starts_at": "2030-03-01T19:00:00Z",
    "ends_at": "2030-03-01T23:00:00Z", "capacity": 1000000}, admin)
sid = session["id"]
for status in ("teaser", "presale", "on_sale"):
    call("PATCH", f"/api/v1/events/{event['id']}/sessions/{sid}", {"status": status}, admin)


def ticket_type(name, capacity, max_per_order):
    return call("POST", f"/api/v1/sessions/{sid}/ticket-types", {
        "name": name, "price_minor": 0, "currency": "EUR", "capacity": capacity,
        "max_per_order": max_per_order}, admin)["id"]


flash_tt = ticket_type("General admission", FLASH_CAP, 1)
sellout_tt = ticket_type("Last call", SELLOUT_CAP, 1)
doors_tt = ticket_type("Doors", CHECKIN_N, 100)

call("POST", "/api/v1/users", {"email": "staff@bench.test", "password": PASSWORD, "role": "staff",
                               "display_name": "Gate staff"}, admin)
staff = login("staff@bench.test")


def register(i):
    return call("POST", "/api/v1/auth/register", {"email": f"buyer{i:03d}@bench.test", "password": PASSWORD,
                                                  "display_name": f"Buyer {i}"})["access_token"]


with ThreadPoolExecutor(8) as pool:
    buyers = list(pool.map(register, range(BUYERS)))
    holder = register(BUYERS)  # owns the door tickets

    def buy(k):
        q = min(100, CHECKIN_N - 100 * k)
        call("POST", f"/api/v1/events/{event['id']}/tickets",
             {"session_id": sid, "ticket_type_id": doors_tt, "quantity": q}, holder,
             {"Idempotency-Key": f"seed-doors-{k}"})

    list(pool.map(buy, range((CHECKIN_N + 99) // 100)))

    def page(k):
        return [t["token"] for t in call("GET", f"/api/v1/users/me/tickets?per_page=100&page={k}",
                                          token=holder)["items"]]

    tokens = [t for p in pool.map(page, range(1, (CHECKIN_N + 99) // 100 + 1)) for t in p]

if len(set(tokens)) != CHECKIN_N or not all(tokens):
    raise SystemExit(f"seed: expected {CHECKIN_N} distinct tokens, got {len(set(tokens))}")
with open(f"{OUT}/buyers.txt", "w") as f:
    f.write("\n".join(buyers) + "\n")
with open(f"{OUT}/checkin_tokens.txt", "w") as f:
    f.write("\n".join(tokens) + "\n")
with open(f"{OUT}/env", "w") as f:
    for k, v in {"EVENT_ID": event["id"], "SESSION_ID": sid, "FLASH_TT": flash_tt, "SELLOUT_TT": sellout_tt,
                 "DOORS_TT": doors_tt, "STAFF_TOKEN": staff, "BUYER0_TOKEN": buyers[0],
                 "ADMIN_TOKEN": admin}.items():
        f.write(f"{k}={v}\n")
print(f"seed: event {event['id']}, session {sid}, {len(buyers)} buyers, {len(tokens)} door tickets", file=sys.stderr)
