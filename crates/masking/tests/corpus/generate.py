#!/usr/bin/env python3
"""Writes the labelled corpus the detector-quality test reads (users.json, log_events.json,
near_misses.json). Deterministic: `python3 generate.py` in this folder rewrites the same files.

Each file is {"about", "planted": {detector: [values]}, "records": [...]}. Records are shaped like
what Auth0's Management API returns (users, log events) and carry planted personal data of every
kind the built-in detectors cover, beside near-misses that must not be taken for it: order
numbers, versions, dates, timestamps, UUIDs, Auth0 and log ids, user agents, hashes, amounts.
"""
import base64
import hashlib
import json
import random
import uuid

rng = random.Random(18)
planted = {}


def plant(kind, value):
    planted.setdefault(kind, set()).add(value)
    return value


FIRST = ["alice", "bob", "carol", "dave", "erin", "frank", "grace", "heidi", "ivan", "judy", "mallory",
         "niaj", "olivia", "peggy", "rupert", "sybil", "trent", "uma", "victor", "walter", "xena",
         "yusuf", "zoe", "liam", "mia", "noah", "emma", "sofia", "mateo", "léa", "jürgen", "siobhan",
         "o'neil", "anne-marie", "kwame", "priya", "wei", "yuki", "omar", "fatima"]
LAST = ["johnson", "smith", "williams", "brown", "jones", "garcia", "miller", "davis", "rodriguez",
        "martinez", "hernandez", "lopez", "gonzalez", "wilson", "anderson", "thomas", "taylor",
        "moore", "jackson", "martin", "lee", "perez", "thompson", "white", "harris", "sanchez",
        "clark", "nguyen", "müller", "dubois", "rossi", "kowalski", "okafor", "patel", "tanaka"]
DOMAINS = ["example.com", "example.org", "mail.example.net", "corp.example.co.uk", "example.de",
           "students.example.edu", "example.io", "example.fr", "sub.example.com.au"]


def ascii_name(s):
    return s.replace("é", "e").replace("ü", "u").replace("'", "")


def email():
    f, l = rng.choice(FIRST), rng.choice(LAST)
    local = rng.choice([
        f"{ascii_name(f)}.{ascii_name(l)}",
        f"{ascii_name(f)}{rng.randint(1, 999)}",
        f"{ascii_name(f)[0]}{ascii_name(l)}",
        f"{ascii_name(f)}.{ascii_name(l)}+{rng.choice(['auth0', 'test', 'news'])}",
        f"{ascii_name(f)}_{ascii_name(l)}",
        f"{ascii_name(f).upper()}.{ascii_name(l).capitalize()}",
        f"o'{ascii_name(l)}",
    ])
    domain = rng.choice(DOMAINS)
    if rng.random() < 0.05:
        local, domain = local.upper(), domain.upper()
    return plant("email", f"{local}@{domain}")


def digits(n):
    return "".join(str(rng.randint(0, 9)) for _ in range(n))


def phone(national_ok=True):
    shapes = [
        lambda: f"+1{rng.randint(201, 989)}555{digits(4)}",
        lambda: f"+1 {rng.randint(201, 989)}-555-{digits(4)}",
        lambda: f"+1 ({rng.randint(201, 989)}) 555-{digits(4)}",
        lambda: f"+44 20 7946 {digits(4)}",
        lambda: f"+44 7700 900{digits(3)}",
        lambda: f"+33 6 {digits(2)} {digits(2)} {digits(2)} {digits(2)}",
        lambda: f"+49 30 {digits(8)}",
        lambda: f"+49 151 {digits(8)}",
        lambda: f"+61 2 {digits(4)} {digits(4)}",
        lambda: f"+91 98{digits(3)} {digits(5)}",
        lambda: f"+81 3-{digits(4)}-{digits(4)}",
        lambda: f"+34 6{digits(2)} {digits(3)} {digits(3)}",
        lambda: f"+353{digits(9)}",
        # Shapes people write that the detector was not first designed around.
        lambda: f"+1.{rng.randint(201, 989)}.555.{digits(4)}",
        lambda: f"+44 (0)20 7946 {digits(4)}",
        lambda: f"+33 (0)6 {digits(2)} {digits(2)} {digits(2)} {digits(2)}",
        lambda: f"+1-{rng.randint(201, 989)}-555-{digits(4)}",
    ]
    national = [
        lambda: f"({rng.randint(201, 989)}) 555-{digits(4)}",
        lambda: f"{rng.randint(201, 989)}-555-{digits(4)}",
        lambda: f"{rng.randint(201, 989)}.555.{digits(4)}",
        lambda: f"020 7946 {digits(4)}",
        lambda: f"06 {digits(2)} {digits(2)} {digits(2)} {digits(2)}",
        lambda: f"1-800-555-{digits(4)}",
        lambda: f"{rng.randint(201, 989)} 555 {digits(4)}",
    ]
    pool = shapes + (national if national_ok else [])
    return plant("phone", rng.choice(pool)())


def e164():
    return plant("phone", rng.choice([f"+1{rng.randint(201, 989)}555{digits(4)}",
                                      f"+44{7700900000 + rng.randint(0, 999)}",
                                      f"+33{rng.choice([6, 7])}{digits(8)}",
                                      f"+49151{digits(8)}"]))


def ipv4():
    return plant("ip", rng.choice([
        f"203.0.113.{rng.randint(1, 254)}",
        f"198.51.100.{rng.randint(1, 254)}",
        f"192.0.2.{rng.randint(1, 254)}",
        f"{rng.randint(11, 223)}.{rng.randint(0, 255)}.{rng.randint(0, 255)}.{rng.randint(1, 254)}",
    ]))


def ipv6():
    groups = [f"{rng.randint(0, 0xffff):x}" for _ in range(6)]
    return plant("ip", rng.choice([
        f"2001:db8:{groups[0]}:{groups[1]}:{groups[2]}:{groups[3]}:{groups[4]}:{groups[5]}",
        f"2001:db8:{groups[0]}::{groups[1]}",
        f"2a02:{groups[0]}:{groups[1]}:{groups[2]}::{groups[3]}",
        f"2001:DB8:{groups[0].upper()}::{groups[2].upper()}:{groups[3].upper()}",
        f"fe80::{groups[0]}:{groups[1]}:{groups[2]}:{groups[3]}",
        f"::ffff:198.51.100.{rng.randint(1, 254)}",
    ]))


def ip():
    return ipv4() if rng.random() < 0.7 else ipv6()


def luhn_complete(prefix, length):
    body = prefix + digits(length - len(prefix) - 1)
    total = 0
    for i, ch in enumerate(reversed(body)):
        d = int(ch)
        if i % 2 == 0:
            d *= 2
            if d > 9:
                d -= 9
        total += d
    return body + str((10 - total % 10) % 10)


def card():
    prefix, length = rng.choice([("4", 16), ("4", 16), ("51", 16), ("55", 16), ("2221", 16),
                                 ("34", 15), ("37", 15), ("6011", 16), ("65", 16), ("3530", 16),
                                 ("36", 14), ("62", 16), ("4", 19)])
    n = luhn_complete(prefix, length)
    style = rng.choice(["compact", "spaces", "dashes"])
    if style == "compact":
        shown = n
    else:
        sep = " " if style == "spaces" else "-"
        if length == 15:
            parts = [n[:4], n[4:10], n[10:]]
        elif length == 14:
            parts = [n[:4], n[4:10], n[10:]]
        else:
            parts = [n[i:i + 4] for i in range(0, length, 4)]
        shown = sep.join(parts)
    return plant("credit_card", shown)


IBAN_BBAN = {"DE": 18, "FR": 23, "NL": 14, "ES": 20, "IT": 23, "BE": 12, "CH": 17, "AT": 16,
             "GB": 18, "PL": 24, "PT": 21, "IE": 18, "SE": 20, "NO": 11, "DK": 14, "FI": 14}


def iban():
    country = rng.choice(list(IBAN_BBAN))
    n = IBAN_BBAN[country]
    if country in ("GB", "IE"):
        bban = "".join(rng.choice("ABCDEFGHIJKLMNOPQRSTUVWXYZ") for _ in range(4)) + digits(n - 4)
    elif country == "NL":
        bban = "".join(rng.choice("ABCDEFGHIJKLMNOPQRSTUVWXYZ") for _ in range(4)) + digits(n - 4)
    else:
        bban = digits(n)
    numeric = "".join(str(int(c, 36)) for c in bban + country + "00")
    check = 98 - int(numeric) % 97
    compact = f"{country}{check:02d}{bban}"
    if rng.random() < 0.5:
        return plant("iban", compact)
    return plant("iban", " ".join(compact[i:i + 4] for i in range(0, len(compact), 4)))


def ssn():
    while True:
        area = rng.randint(1, 899)
        if area != 666:
            break
    return plant("us_ssn", f"{area:03d}-{rng.randint(1, 99):02d}-{rng.randint(1, 9999):04d}")


def b64(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def jwt():
    header = {"alg": rng.choice(["RS256", "HS256", "ES256"]), "typ": "JWT"}
    if rng.random() < 0.5:
        header["kid"] = digits(8)
    payload = {"sub": f"auth0|{uuid.UUID(int=rng.getrandbits(128)).hex[:24]}",
               "iat": 1746057600 + rng.randint(0, 10 ** 6), "aud": "https://api.example.com"}
    token = ".".join([b64(json.dumps(header).encode()), b64(json.dumps(payload).encode()),
                      b64(bytes(rng.getrandbits(8) for _ in range(rng.choice([32, 64, 256]))))])
    return plant("jwt", token)


# Near-misses: must be left alone by every detector.
def uuid4():
    return str(uuid.UUID(int=rng.getrandbits(128)))


def sha256():
    return hashlib.sha256(digits(20).encode()).hexdigest()


def order_number():
    return rng.choice([
        f"ORD-{rng.randint(2019, 2026)}-{digits(6)}",
        f"#{digits(9)}",
        f"INV-{rng.randint(2019, 2026)}{rng.randint(1, 12):02d}{rng.randint(1, 28):02d}-{digits(4)}",
        f"PO {digits(10)}",
        f"order {digits(10)}",
        f"SO-{digits(4)}-{digits(4)}-{digits(2)}",
        f"{digits(3)}-{digits(7)}-{digits(7)}",   # marketplace order id
        f"RMA{digits(8)}",
        f"ticket {digits(5)}",
    ])


def version():
    return rng.choice([
        f"{rng.randint(0, 20)}.{rng.randint(0, 40)}.{rng.randint(0, 300)}",
        f"v{rng.randint(0, 9)}.{rng.randint(0, 9)}.{rng.randint(0, 9)}.{rng.randint(0, 9)}",
        f"{rng.randint(100, 130)}.0.{rng.randint(1000, 7000)}.{rng.randint(0, 300)}",
        f"{rng.randint(1, 9)}.{rng.randint(0, 9)}.{rng.randint(0, 9)}-beta.{rng.randint(1, 9)}",
        f"{rng.randint(1, 4)}.{rng.randint(0, 30)}.{rng.randint(0, 9)}-rc{rng.randint(1, 5)}",
        f"build {rng.randint(2019, 2026)}.{rng.randint(1, 12):02d}.{rng.randint(1, 28):02d}.{rng.randint(1, 99)}",
    ])


def date(sep="-"):
    y, m, d = rng.randint(2019, 2026), rng.randint(1, 12), rng.randint(1, 28)
    return rng.choice([
        f"{y}{sep}{m:02d}{sep}{d:02d}",
        f"{d:02d}/{m:02d}/{y}",
        f"{d:02d}.{m:02d}.{y}",
        f"{m:02d}-{d:02d}-{y}",
        f"{y}-{m:02d}-{d:02d}T{rng.randint(0, 23):02d}:{rng.randint(0, 59):02d}:{rng.randint(0, 59):02d}.{digits(3)}Z",
        f"{y}-{m:02d}-{d:02d} {rng.randint(0, 23):02d}:{rng.randint(0, 59):02d}:{rng.randint(0, 59):02d}",
        f"{y}-{m:02d}-{d:02d}T{rng.randint(0, 23):02d}:{rng.randint(0, 59):02d}:{rng.randint(0, 59):02d}+02:00",
    ])


def iso():
    y, m, d = rng.randint(2023, 2026), rng.randint(1, 12), rng.randint(1, 28)
    return f"{y}-{m:02d}-{d:02d}T{rng.randint(0, 23):02d}:{rng.randint(0, 59):02d}:{rng.randint(0, 59):02d}.{digits(3)}Z"


def amount():
    return rng.choice([
        f"${rng.randint(1, 99)},{digits(3)}.{digits(2)}",
        f"EUR {rng.randint(1, 99)}.{digits(3)},{digits(2)}",
        f"{rng.randint(1, 99999)}.{digits(2)}",
        f"£{rng.randint(1, 999)}",
        f"{rng.randint(1, 9)} {digits(3)} {digits(3)},{digits(2)} €",
    ])


def user_agent():
    return rng.choice([
        f"Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/{rng.randint(110, 130)}.0.0.0 Safari/537.36",
        f"Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/{rng.randint(110, 130)}.0.{rng.randint(1000, 7000)}.{rng.randint(0, 300)} Safari/537.36 Edg/{rng.randint(110, 130)}.0.{rng.randint(1000, 3000)}.{rng.randint(0, 99)}",
        f"Mozilla/5.0 (iPhone; CPU iPhone OS 17_4_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4.1 Mobile/15E148 Safari/604.1",
        f"Chrome {rng.randint(110, 130)}.0.0 / Mac OS X 10.15.7",
        f"Firefox {rng.randint(110, 130)}.0.0 / Windows 10.0.0",
        f"Safari 17.4.1 / iOS 17.4.1",
        f"node-fetch 1.0.0 / Other 0.0.0",
        f"okhttp/4.12.0",
        f"Auth0.swift/2.7.2 (iOS 17.4.1; iPhone15,2)",
    ])


def auth0_id():
    return rng.choice([
        f"auth0|{uuid.UUID(int=rng.getrandbits(128)).hex[:24]}",
        f"google-oauth2|{100000000000000000000 + rng.randint(0, 10 ** 12)}",
        f"github|{rng.randint(100000, 99999999)}",
        f"windowslive|{uuid.UUID(int=rng.getrandbits(128)).hex[:16]}",
        f"samlp|acme|{ascii_name(rng.choice(FIRST))}",
        f"oauth2|line|U{uuid.UUID(int=rng.getrandbits(128)).hex}",
    ])


def log_id():
    return "900" + str(rng.randint(2023, 2026)) + f"{rng.randint(1, 12):02d}{rng.randint(1, 28):02d}" + digits(46)


def client_id():
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
    return "".join(rng.choice(alphabet) for _ in range(32))


def long_number():
    """A bare 13–19 digit number that is not a card: ids, tracking numbers, ms timestamps."""
    return rng.choice([
        str(1700000000000 + rng.randint(0, 10 ** 11)),
        digits(rng.choice([13, 14, 16, 18])),
        f"1Z{digits(3)}AA{digits(10)}",
        str(rng.randint(10 ** 15, 10 ** 16 - 1)),
    ])


def upper_token():
    return rng.choice([
        "".join(rng.choice("0123456789ABCDEF") for _ in range(rng.choice([16, 24, 32]))),
        rng.choice(["DE", "FR", "GB", "NL", "US"]) + digits(2) + "".join(rng.choice("0123456789ABCDEFXYZ") for _ in range(18)),
        f"REQ{digits(2)}{''.join(rng.choice('ABCDEFGHJKMNPQRSTVWXYZ0123456789') for _ in range(20))}",
    ])


def near_miss():
    return rng.choice([uuid4, sha256, order_number, version, date, amount, user_agent, auth0_id,
                       log_id, client_id, long_number, upper_token])()


SENTENCES_PII = [
    lambda: f"Customer asked to update the e-mail to {email()} before renewal.",
    lambda: f"Call back on {phone()} after 5pm.",
    lambda: f"Login blocked from {ip()}; unblocked by support.",
    lambda: f"Refund to card {card()} approved.",
    lambda: f"Wire the deposit to {iban()} (account holder confirmed).",
    lambda: f"SSN on file: {ssn()}.",
    lambda: f"Header was Authorization: Bearer {jwt()}",
    lambda: f"Contact: {email()}, {phone()}",
    lambda: f"From: {rng.choice(FIRST).capitalize()} <{email()}>; mailto:{email()}",
    lambda: f"Phone {phone()} ext. {rng.randint(10, 999)}",
    lambda: f"Tel.: {phone()} / Fax: {phone()}",
    lambda: f"Login from {ip()}:{rng.randint(1024, 65535)} (proxy {ip()})",
]
SENTENCES_NEAR = [
    lambda: f"Order {order_number()} shipped on {date()}.",
    lambda: f"Upgraded SDK to {version()} ({date()}).",
    lambda: f"Invoice total {amount()} for {order_number()}.",
    lambda: f"Session {uuid4()} started at {iso()}.",
    lambda: f"Linked {auth0_id()} with {auth0_id()}.",
    lambda: f"Build {version()} fingerprint {sha256()[:16]}.",
    lambda: f"Tracking {long_number()}, reference {upper_token()}.",
    lambda: f"{rng.randint(2, 500)} logins between {date()} and {date()}.",
    lambda: f"Patch {version()} fixes issue #{rng.randint(100, 99999)}; see commit {sha256()[:40]}.",
    lambda: f"Meeting at {rng.randint(1, 12)}:{rng.randint(0, 59):02d} in room {rng.randint(100, 999)}-{rng.randint(1, 9)}.",
    lambda: f"Postcode SW1A 1AA, ZIP {digits(5)}-{digits(4)}, ISBN 978-{rng.randint(0, 9)}-{digits(2)}-{digits(6)}-{rng.randint(0, 9)}.",
    lambda: f"Coordinates {rng.uniform(-90, 90):.6f}, {rng.uniform(-180, 180):.6f}.",
    lambda: f"Version string {version()} and {version()} on host app-{rng.randint(1, 30)}.internal.",
    lambda: f"Ratio {rng.randint(1, 99)}.{digits(2)} / {digits(3)}.{digits(3)}, scale 1:{rng.randint(100, 99999)}",
    lambda: f"Amounts: {amount()}, {amount()}, {amount()}",
    lambda: f"Seats {rng.randint(10, 99)} {rng.randint(10, 99)} {rng.randint(10, 99)} {rng.randint(10, 99)} {rng.randint(10, 99)}",
    lambda: f"Seasons {rng.randint(2019, 2023)} {rng.randint(2024, 2025)} {rng.randint(2026, 2027)}",
    lambda: f"Lot {digits(4)}-{digits(4)}-{digits(2)}, batch {rng.randint(10, 99)}.{digits(4)}.{digits(4)}",
]


def note():
    if rng.random() < 0.35:
        return rng.choice(SENTENCES_PII)()
    return rng.choice(SENTENCES_NEAR)()


def user(i):
    f, l = rng.choice(FIRST), rng.choice(LAST)
    mail = email()
    uid = auth0_id()
    created = iso()
    u = {
        "user_id": uid,
        "email": mail,
        "email_verified": rng.random() < 0.8,
        "name": f"{f.capitalize()} {l.capitalize()}",
        "given_name": f.capitalize(),
        "family_name": l.capitalize(),
        "nickname": ascii_name(f),
        "picture": f"https://s.gravatar.com/avatar/{hashlib.md5(mail.encode()).hexdigest()}?s=480&r=pg&d=https%3A%2F%2Fcdn.auth0.com%2Favatars%2F{f[:2]}.png",
        "identities": [{
            "connection": "Username-Password-Authentication", "provider": "auth0",
            "user_id": uid.split("|")[-1], "isSocial": False,
            "profileData": {"email": mail, "name": f"{f} {l}"} if rng.random() < 0.3 else None,
        }],
        "created_at": created,
        "updated_at": iso(),
        "last_login": iso(),
        "last_ip": ip(),
        "logins_count": rng.randint(0, 400),
        "user_metadata": {
            "locale": rng.choice(["en-US", "fr-FR", "de-DE", "es-ES"]),
            "theme": rng.choice(["light", "dark"]),
            "notes": note(),
            "last_order": order_number(),
            "app_version": version(),
        },
        "app_metadata": {
            "plan": rng.choice(["free", "pro", "enterprise"]),
            "crm_id": uuid4(),
            "stripe_customer": f"cus_{client_id()[:14]}",
            "external_id": long_number(),
            "signup_build": version(),
            "orders": [order_number() for _ in range(rng.randint(0, 3))],
            "balance": amount(),
        },
    }
    if u["identities"][0]["profileData"] is None:
        del u["identities"][0]["profileData"]
    if rng.random() < 0.45:
        u["phone_number"] = e164()
        u["phone_verified"] = rng.random() < 0.5
    if rng.random() < 0.25:
        u["user_metadata"]["mobile"] = phone()
    if rng.random() < 0.12:
        u["app_metadata"]["billing"] = {"iban": iban(), "card": card(), "since": date()}
    if rng.random() < 0.08:
        u["app_metadata"]["tax_id"] = ssn()
    if rng.random() < 0.1:
        u["user_metadata"]["previous_emails"] = [email() for _ in range(rng.randint(1, 2))]
    return u


EVENT_TYPES = [("s", "Success Login"), ("f", "Wrong email or password."), ("fp", "Wrong password."),
               ("ss", "Success Signup"), ("sapi", "Update a User"), ("seccft", "Client Credentials for Access Token"),
               ("slo", "Success Logout"), ("limit_wc", "Blocked Account"), ("fsa", "Login required"),
               ("gd_send_sms", "Guardian SMS sent"), ("sv", "Success Verification Email"), ("fapi", "Failed API Operation")]


def event(i):
    kind, description = rng.choice(EVENT_TYPES)
    mail = email()
    e = {
        "log_id": log_id(),
        "date": iso(),
        "type": kind,
        "description": description,
        "ip": ip(),
        "hostname": "acme.eu.auth0.com",
        "user_agent": user_agent(),
        "user_id": auth0_id(),
        "user_name": mail,
        "client_id": client_id(),
        "client_name": rng.choice(["Acme Dashboard", "Acme SPA", "Reporting Job (M2M)", "Support Console v2.1.0"]),
        "connection": "Username-Password-Authentication",
        "connection_id": f"con_{client_id()[:16]}",
        "strategy": "auth0",
        "strategy_type": "database",
        "isMobile": rng.random() < 0.2,
        "details": {},
        "location_info": {
            "country_code": rng.choice(["US", "FR", "DE", "GB"]),
            "country_code3": rng.choice(["USA", "FRA", "DEU", "GBR"]),
            "city_name": rng.choice(["San Francisco", "Paris", "Berlin", "London"]),
            "latitude": round(rng.uniform(-90, 90), 4),
            "longitude": round(rng.uniform(-180, 180), 4),
            "time_zone": rng.choice(["America/Los_Angeles", "Europe/Paris", "Europe/Berlin"]),
            "continent_code": rng.choice(["NA", "EU"]),
        },
    }
    d = e["details"]
    if kind in ("s", "ss", "slo"):
        d.update({"prompts": [{"name": "lock-password-authenticate", "initiatedAt": 1746057600000 + rng.randint(0, 10 ** 9),
                               "completedAt": 1746057600000 + rng.randint(0, 10 ** 9), "elapsedTime": rng.randint(10, 5000)}],
                  "session_id": client_id()[:32], "stats": {"loginsCount": rng.randint(1, 400)}})
    elif kind in ("f", "fp", "fsa"):
        d["error"] = {"message": rng.choice([
            f"Wrong email or password for {mail}.",
            "Wrong email or password.",
            f"Too many attempts from {ip()} (limit 10 per 300 seconds).",
            f"Login required (request {uuid4()}).",
        ])}
    elif kind in ("sapi", "fapi"):
        body = {"blocked": rng.random() < 0.5}
        if rng.random() < 0.4:
            body["phone_number"] = e164()
        if rng.random() < 0.3:
            body["email"] = email()
        if rng.random() < 0.2:
            body["user_metadata"] = {"notes": note()}
        d["request"] = {
            "method": rng.choice(["patch", "post", "delete"]),
            "path": f"/api/v2/users/{auth0_id()}",
            "query": {}, "userAgent": user_agent(),
            "body": body, "channel": "api", "ip": ip(),
            "auth": {"user": {}, "strategy": "jwt", "credentials": {"jti": sha256()[:32], "scopes": ["update:users"]}},
        }
        if rng.random() < 0.25:
            d["request"]["headers"] = {"authorization": f"Bearer {jwt()}", "x-request-id": uuid4()}
        d["response"] = {"statusCode": rng.choice([200, 201, 400, 404, 429]), "body": {}}
    elif kind == "seccft":
        d["audience"] = "https://acme.eu.auth0.com/api/v2/"
        d["scope"] = "read:users update:users"
    elif kind == "gd_send_sms":
        d["to"] = e164()
        d["message_id"] = f"SM{sha256()[:32]}"
    elif kind == "limit_wc":
        d["ip"] = ip()
        d["count"] = rng.randint(10, 100)
    if rng.random() < 0.15:
        d["note"] = note()
    return e


def write(name, about, records):
    global planted
    doc = {
        "about": about,
        "planted": {k: sorted(v) for k, v in sorted(planted.items())},
        "records": records,
    }
    with open(name, "w", encoding="utf-8") as f:
        json.dump(doc, f, indent=1, ensure_ascii=False)
        f.write("\n")
    planted = {}


write("users.json", "Auth0 users as GET /api/v2/users returns them, with planted personal data and near-misses in metadata.",
      [user(i) for i in range(260)])
write("log_events.json", "Auth0 log events as GET /api/v2/logs returns them: logins, failures, API updates with request bodies and headers.",
      [event(i) for i in range(420)])
notes = []
for i in range(900):
    notes.append({"ticket_id": f"TCK-{rng.randint(2019, 2026)}-{digits(5)}", "created_at": iso(),
                  "text": rng.choice(SENTENCES_NEAR)() if i % 4 else rng.choice(SENTENCES_PII)(),
                  "reference": near_miss(), "other": near_miss()})
write("near_misses.json", "Support notes as they end up in user_metadata: mostly near-misses (orders, versions, dates, ids, hashes, amounts), some with planted values in sentences.",
      notes)
