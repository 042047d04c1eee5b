"""A new API client, generated from openapi/openapi.json by openapi-python-client, builds the
worked example of the domain reference (Hà Đông 2019) against a running bidtrack, marks one
package online, and reads the same compliance figures as `bidtrack check`. It logs in first, as
the demo administrator, and sends the token it gets on every call.

Usage: client_smoke.py BASE_URL BIDTRACK_BINARY DATABASE_URL  (the generated package must be
importable as `bidtrack_client`).
"""

import json
import subprocess
import sys

from bidtrack_client import AuthenticatedClient, Client
from bidtrack_client.api.auth import login
from bidtrack_client.api.compliance import get_compliance
from bidtrack_client.api.packages import create_package, get_package, update_package
from bidtrack_client.api.units import create_unit
from bidtrack_client.models import CreateUnit, Field, LoginRequest, Method, NewPackage, PackagePatch, UnitKind

base_url, binary, database_url = sys.argv[1:4]
anonymous = Client(base_url=base_url, raise_on_unexpected_status=True)
session = login.sync(client=anonymous, body=LoginRequest(username="demo-admin", password="demo-admin-2019"))
assert session.user.role == "admin", session
client = AuthenticatedClient(base_url=base_url, token=session.token, raise_on_unexpected_status=True)

unit = create_unit.sync(client=client, body=CreateUnit(code="CLIENT-HD", name="Quận mẫu", kind=UnitKind.DISTRICT))
assert unit.code == "CLIENT-HD", unit

BN = 1_000_000_000
SPECS = [
    (Method.COMPETITIVE_OFFERS, Field.GOODS, BN, True),
    (Method.COMPETITIVE_OFFERS, Field.GOODS, BN, True),
    (Method.COMPETITIVE_OFFERS, Field.NON_CONSULTING, BN, True),
    (Method.COMPETITIVE_OFFERS, Field.WORKS, 3 * BN, False),
    (Method.OPEN_BIDDING, Field.WORKS, 8 * BN, False),  # marked online below
    (Method.OPEN_BIDDING, Field.GOODS, 4 * BN, False),
    (Method.OPEN_BIDDING, Field.WORKS, 15 * BN, False),
    (Method.OPEN_BIDDING, Field.WORKS, 25 * BN, True),
    (Method.LIMITED_BIDDING, Field.GOODS, 2 * BN, False),
    (Method.DIRECT_APPOINTMENT, Field.CONSULTING, BN // 3, False),
]
created = []
for i, (method, field, price, online) in enumerate(SPECS):
    body = NewPackage(unit_id=unit.id, name=f"Gói số {i + 1}", plan_year=2019, field=field, method=method,
                      package_price_vnd=price, online=online)
    created.append(create_package.sync(client=client, body=body))

target = created[4]
response = get_package.sync_detailed(client=client, id=target.id)
etag = response.headers["etag"]
changed = update_package.sync(client=client, id=target.id, body=PackagePatch(online=True), if_match=etag)
assert changed.online is True and changed.version == 2, changed

figures = get_compliance.sync(client=client, unit_id=unit.id, year=2019)
assert len(figures.targets) == 1, figures.targets
first = figures.targets[0]
assert first.rule.code == "nq01_2019", first.rule
got = (first.in_scope, first.online, first.share_percent, first.met, first.shortfall)
assert got == (8, 4, "50.00", True, 0), got
assert figures.overall.packages == len(SPECS), figures.overall

check = subprocess.run([binary, "--database-url", database_url, "check", "--unit", "CLIENT-HD", "--year", "2019", "--json"],
                       check=True, capture_output=True, text=True)
cli = json.loads(check.stdout)["targets"][0]
assert (cli["in_scope"], cli["online"], cli["share_percent"], cli["met"], cli["shortfall"]) == got, (cli, got)
print(f"generated client: in scope {got[0]}, online {got[1]}, {got[2]}%, met, shortfall {got[4]} — same as bidtrack check")
