"""Words on the creator's pages that name what they are about."""
import re

from tests import factories


def test_the_prove_banner_names_the_account_to_prove(app, act):
    with app.app_context():
        factories.creator()
    act.login("sari@example.com")
    page = act.client.get("/dashboard").get_data(as_text=True)
    banner = re.search(r'<p class="card hint">(.*?)</p>', page, re.S).group(1)
    assert "@sari.dance" in banner and "Buktikan bahwa akun TikTok @sari.dance milikmu" in banner
    assert 'href="/account/tiktok"' in banner
