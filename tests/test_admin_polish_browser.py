"""The admin search box shows its whole hint at 1280 px, in both languages (measured in a real
browser: the text's width against the box's inner width)."""
import pytest

from tests import factories
from tests.e2e.conftest import browser_page, live_server, login  # noqa: F401  (fixtures)

MEASURE = """() => {
  const box = document.querySelector('.aq-q input'), style = getComputedStyle(box);
  const ctx = document.createElement('canvas').getContext('2d');
  ctx.font = style.font;
  return {text: ctx.measureText(box.placeholder).width, hint: box.placeholder,
          room: box.clientWidth - parseFloat(style.paddingLeft) - parseFloat(style.paddingRight)};
}"""


@pytest.mark.parametrize("path", ["/admin/", "/admin/videos"])
def test_the_whole_search_hint_shows_at_1280_px(app, live_server, browser_page, path):  # noqa: F811
    with app.app_context():
        factories.admin()
    page = browser_page
    page.set_viewport_size({"width": 1280, "height": 900})
    login(page, live_server, "admin@example.com")
    seen_in = set()
    for _language in range(2):
        page.goto(live_server + path)
        seen = page.evaluate(MEASURE)
        lang = page.get_attribute("html", "lang")
        assert seen["text"] <= seen["room"], (lang, seen)
        seen_in.add(lang)
        page.click("form.lang button")  # the other language
        page.wait_for_load_state()
    assert seen_in == {"id", "en"}
