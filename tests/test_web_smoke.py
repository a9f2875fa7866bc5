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


def test_an_employee_is_shown_what_they_can_do_and_why_a_manager_page_is_closed(live_web: LiveWeb) -> None:
    """The employee's home names Ideas and Compliments; the acting pages for managers answer 403 with
    that reason, not with the reason of the score pages."""
    from servicechain.web.i18n import translator
    from servicechain.web.scoped import FOR_MANAGERS

    client = live_web.client("employee")
    try:
        home = client.get("/me", params={"lang": "en"})
        links = home.text.split('id="employee-next"')[1].split("</ul>")[0]
        assert 'href="/ideas"' in links and 'href="/compliments"' in links
        for path in ("/plans", "/recognition", "/recognition/awards", "/incentives", "/alerts"):
            page = client.get(path, params={"lang": "nl"})
            assert page.status_code == 403, path
            assert translator("nl")(FOR_MANAGERS).split(":")[0] in page.text, path
        assert client.get("/ideas").status_code == 200 and client.get("/compliments").status_code == 200
    finally:
        client.close()
