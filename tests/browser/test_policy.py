"""The Content-Security-Policy holds in the browser: a script slipped into a page does not run.
(Every other browser test fails if a page of ours breaks the policy: see `new_context`.)"""

from tests.browser.conftest import LAPTOP, POLICY


def test_a_script_slipped_into_a_page_is_refused_and_reported(browser, room):
    context = browser.new_context(**LAPTOP)
    try:
        page = context.new_page()
        reported: list[str] = []
        page.on("console", lambda message: reported.append(message.text))
        page.goto(room["links"]["console"])
        page.evaluate(
            """() => {
                const script = document.createElement("script");
                script.textContent = "window.slipped = true";
                document.head.appendChild(script);
            }"""
        )
        assert page.evaluate("window.slipped") is None
        assert any(POLICY in text for text in reported), reported
    finally:
        context.close()
