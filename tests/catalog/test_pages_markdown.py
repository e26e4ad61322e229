"""Descriptor Markdown is rendered, and whatever could run script is stripped."""
from django.template import Context, Template

from catalog.markdown import render_markdown


def test_markdown_renders_formatting_lists_tables_and_code():
    html = render_markdown("# Orders\n\n- **one**\n- `two`\n\n| a | b |\n|---|---|\n| 1 | 2 |\n")
    assert "<h1>Orders</h1>" in html
    assert "<strong>one</strong>" in html
    assert "<code>two</code>" in html
    assert "<table>" in html
    assert "<td>1</td>" in html


def test_script_tags_and_event_handlers_are_stripped():
    html = render_markdown('Hi <script>alert(1)</script> <img src="x.png" onerror="alert(2)"> <b onclick="x()">b</b>')
    assert "<script" not in html
    assert "alert(1)" not in html
    assert "onerror" not in html
    assert "onclick" not in html
    assert '<img src="x.png">' in html
    assert "<b>b</b>" in html


def test_javascript_links_are_dropped_and_links_get_noopener():
    html = render_markdown("[bad](javascript:alert(1)) and [good](https://example.com/x)")
    assert "javascript:" not in html
    assert 'href="https://example.com/x"' in html
    assert 'rel="noopener noreferrer"' in html


def test_empty_text_renders_nothing():
    assert render_markdown("") == ""
    assert render_markdown(None) == ""


def test_template_filter_outputs_safe_html():
    out = Template("{% load catalog_tags %}{{ text|markdown }}").render(Context({"text": "*hi* <iframe></iframe>"}))
    assert out == "<p><em>hi</em> </p>"


def test_card_summary_is_plain_text_with_words_kept_apart():
    out = Template("{% load catalog_tags %}{{ text|summary:5 }}").render(
        Context({"text": "# Orders\n\n- one <script>x</script>\n- two\n\nthree four five six"})
    )
    assert out == "Orders • one • two. three four…"  # list items stay items, not a run of words


def test_card_summary_escapes_once():
    out = Template("{% load catalog_tags %}{{ text|summary }}").render(Context({"text": "R&D <b>x</b> < y"}))
    assert out == "R&amp;D x &lt; y"
