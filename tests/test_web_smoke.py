"""The live server answers: each role lands on its home page over real HTTP."""

from __future__ import annotations

from web_support import LiveWeb


def test_each_role_lands_on_its_home(live_web: LiveWeb) -> None:
    homes = {
        "executive": "/overview",
        "analyst": "/overview",
        "regional-manager": f"/regions/{live_web.region}",
        "unit-manager": f"/units/{live_web.location}",
        "employee": "/me",
    }
    for role, home in homes.items():
        client = live_web.client(role)
        answer = client.get("/")
        assert answer.status_code == 303, role
        assert answer.headers["location"] == home, role
        page = client.get(home)
        assert page.status_code == 200, (role, page.text[:500])
        client.close()
