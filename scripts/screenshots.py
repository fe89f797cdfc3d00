"""Screenshots of pages as a user sees them, in English and Arabic, at desktop and phone widths.

    .venv/bin/python scripts/screenshots.py --base http://127.0.0.1:8000 --user admin \
        --password demo --out screenshots /contacts/ /contacts/1/

Used to look at the UI before calling it done; not part of the test suite.
"""

import argparse
import pathlib
import re

from playwright.sync_api import sync_playwright

CHROMIUM = "/usr/bin/chromium"
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
WIDTHS = {"desktop": 1366, "phone": 390}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--base", default="http://127.0.0.1:8000")
    parser.add_argument("--user", default="admin")
    parser.add_argument("--password", default="demo")
    parser.add_argument("--out", default="screenshots")
    parser.add_argument("--langs", default="en,ar")
    parser.add_argument("--full", action="store_true", help="capture the full page height")
    parser.add_argument("paths", nargs="+")
    opts = parser.parse_args()
    out = pathlib.Path(opts.out)
    out.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        for lang in opts.langs.split(","):
            for label, width in WIDTHS.items():
                page = browser.new_page(viewport={"width": width, "height": 900})
                page.goto(opts.base + "/accounts/login/")
                page.fill("input[name=username]", opts.user)
                page.fill("input[name=password]", opts.password)
                page.click("button[type=submit]")
                page.wait_for_load_state("networkidle")
                page.request.post(
                    opts.base + "/preferences/",
                    form={"language": lang, "csrfmiddlewaretoken": _csrf(page)},
                    headers={"Referer": opts.base + "/", "X-CSRFToken": _csrf(page)},
                )
                for path in opts.paths:
                    page.goto(opts.base + path)
                    page.wait_for_load_state("networkidle")
                    name = re.sub(r"[^a-z0-9]+", "_", path.lower()).strip("_") or "home"
                    target = out / f"{name}-{lang}-{label}.png"
                    page.screenshot(path=str(target), full_page=opts.full)
                    print(target)
                page.close()
        browser.close()


def _csrf(page) -> str:
    for cookie in page.context.cookies():
        if cookie["name"] == "csrftoken":
            return cookie["value"]
    return ""


if __name__ == "__main__":
    main()
