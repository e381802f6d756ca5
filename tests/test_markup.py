"""Markdown with the booklet's blocks, figures, icons, cross-references and links."""

from __future__ import annotations

import re

from pibooklet.markup import MarkdownRenderer, Reference, sanitise, scan_markdown

RENDERER = MarkdownRenderer({"trials": "Taking part in a trial"})


def test_blocks_become_their_html() -> None:
    html = RENDERER.render("::: callout\nIt is **not** your fault.\n:::\n\n"
                           "::: questions\n- Why?\n- When?\n:::\n")
    assert html == ('<div class="callout" role="note"><p>It is <strong>not</strong> your '
                    'fault.</p></div><div class="questions"><ul>\n<li>Why?</li>\n<li>When?</li>\n'
                    '</ul></div>')


def test_quotes_and_stories_carry_their_attribution() -> None:
    quote = RENDERER.render('::: quote\n"Ask us anything."\n-- Dr A Name, Consultant\n:::\n')
    assert quote == ('<figure class="pull-quote"><blockquote><p>“Ask us anything.”'
                     '</p></blockquote><figcaption class="attribution">Dr A Name, Consultant'
                     '</figcaption></figure>')
    story = RENDERER.render("::: story\nOur story.\n\n-- Sam, dad to Jo\n-- Jo is well\n:::\n")
    assert story.endswith('<p class="attribution">Sam, dad to Jo<br>Jo is well</p></section>')


def test_blocks_nest() -> None:
    html = RENDERER.render("::: story\nText.\n::: callout\nInside.\n:::\n:::\n")
    assert html == ('<section class="story"><p>Text.</p><div class="callout" role="note">'
                    '<p>Inside.</p></div></section>')


def test_an_image_alone_becomes_a_figure_with_its_caption() -> None:
    html = RENDERER.render('![A nurse and child](nurse.svg "On the ward")\n')
    assert html == ('<figure class="figure"><img alt="A nurse and child" src="nurse.svg">'
                    '<figcaption>On the ward</figcaption></figure>')


def test_sub_headings_sit_below_the_section_title_and_may_have_an_icon() -> None:
    # The icon is decoration: a background, so a tagged PDF marks it as an artifact.
    assert RENDERER.render("## Rest {icon=moon}\n### Small\n") == (
        '<h3 class="with-icon"><span class="icon icon-moon" role="presentation"></span>'
        'Rest</h3>\n<h4>Small</h4>')


def test_cross_references_print_the_title() -> None:
    assert RENDERER.render_inline("Read [[trials]].") == (
        'Read <cite class="cross-reference">Taking part in a trial</cite>.')


def test_every_address_becomes_a_link_that_prints_it() -> None:
    html = RENDERER.render_inline("Call 0808 808 00 00, email help@example.org or see "
                                  "www.example.org/help.")
    assert html == (
        'Call <a class="tel" href="tel:+448088080000">0808 808 00 00</a>, email '
        '<a class="email" href="mailto:help@example.org">help@example.org</a> or see '
        '<a class="url" href="https://www.example.org/help">www.example.org/help</a>.')


def test_a_link_with_words_also_prints_its_address() -> None:
    html = RENDERER.render_inline("Visit [our site](https://www.example.org/give) today.")
    assert html == ('Visit our site (<a class="url" href="https://www.example.org/give">'
                    'www.example.org/give</a>) today.')
    email = RENDERER.render_inline("Write to <team@example.org>.")
    assert email == 'Write to <a class="email" href="mailto:team@example.org">team@example.org</a>.'


def test_raw_html_never_passes_scripts_styles_or_handlers_to_the_renderer() -> None:
    html = RENDERER.render('<script>alert(1)</script>\n\n<style>p{}</style>\n\n'
                           'Hi <b onclick="x()">there</b> <img src="file:///etc/passwd" '
                           'onerror="x()"> H<sub>2</sub>O <abbr title="Magnetic">MRI</abbr>\n')
    assert "alert" not in html and "p{}" not in html and "onclick" not in html
    assert "onerror" not in html and "<b" not in html
    assert "H<sub>2</sub>O" in html and '<abbr title="Magnetic">MRI</abbr>' in html


def test_raw_html_outside_the_allowlist_is_a_content_error_with_its_line() -> None:
    text = ("Fine: H<sub>2</sub>O, <abbr title='x'>MRI</abbr>, <https://www.x.org>.\n"
            "<script src=x></script>\n<img src=\"file:///etc/passwd\">\n"
            "<sup onclick=\"x()\">1</sup>\n")
    _, problems = scan_markdown(text, first_line=3)
    assert [(line, message.split(":")[0]) for line, message in problems] == [
        (4, "HTML <script> is not allowed in content"),
        (4, "HTML <script> is not allowed in content"),
        (5, "HTML <img> is not allowed in content"),
        (6, "the attribute 'onclick' is not allowed on <sup>")]


def test_typography_uses_curly_quotes_and_dashes() -> None:
    assert RENDERER.render_inline("It's \"fine\" -- really") == (
        "It’s “fine” – really")


def test_heading_levels_may_not_be_skipped() -> None:
    _, problems = scan_markdown("## A\n\n#### Too deep\n\n## B\n\n### Fine\n", first_line=5)
    assert problems == [(7, "heading level skipped: a #### heading follows ##; use ###")]
    _, problems = scan_markdown("### Straight in\n", first_line=4)
    assert problems == [(4, "heading level skipped: a ### heading follows the section title; "
                            "use ##")]


def test_scan_reports_problems_with_lines() -> None:
    text = "# Title\n\n[x](javascript:alert(1))\n\n::: aside\n:::\n:::\n"
    references, problems = scan_markdown(text, first_line=10)
    assert references == []
    assert [line for line, _ in problems] == [10, 12, 14, 16]
    assert "'#' heading is not allowed" in problems[0][1]
    assert "not allowed: links go to https:// or mailto:" in problems[1][1]
    assert "unknown block '::: aside'" in problems[2][1]
    assert "closes a block that was never opened" in problems[3][1]


def test_a_bare_domain_prints_as_written_and_links_to_https() -> None:
    html = RENDERER.render_inline("Visit itsgoodtotalk.org or [our site](https://cclg.org.uk/a).")
    assert html == (
        'Visit <a class="url" href="https://itsgoodtotalk.org">itsgoodtotalk.org</a> or our site '
        '(<a class="url" href="https://cclg.org.uk/a">cclg.org.uk/a</a>).')


def test_file_names_abbreviations_and_code_are_not_linked() -> None:
    html = RENDERER.render_inline("Edit `example.org` and booklet.yaml, e.g. with Dr. Patel: 3.5.")
    assert "<a" not in html and "<code>example.org</code>" in html


def test_quotes_around_an_address_stay_outside_it_and_quotes_inside_stay_straight() -> None:
    html = RENDERER.render_inline("See \"www.example.org\", 'itsgoodtotalk.org' or "
                                  "www.example.org/it's-time...")
    assert html == (
        'See “<a class="url" href="https://www.example.org">www.example.org</a>”, '
        '‘<a class="url" href="https://itsgoodtotalk.org">itsgoodtotalk.org</a>’ or '
        '<a class="url" href="https://www.example.org/it\'s-time">www.example.org/it\'s-time</a>…')


def test_short_numbers_link_only_when_dialled() -> None:
    html = RENDERER.render_inline("Samaritans: call free on 116 123. Over 111 children "
                                  "took part in 1999. Text CCLG to 70085. Company number 09876543.")
    assert html == ('Samaritans: call free on <a class="tel" href="tel:116123">116 123</a>. Over '
                    '111 children took part in 1999. Text CCLG to 70085. Company number 09876543.')


def test_callout_styles_carry_a_label_read_first() -> None:
    html = RENDERER.render("::: callout tip\nWrite it **down**.\n:::\n")
    assert html == ('<div class="callout callout-tip" role="note"><p class="callout-label">Tip'
                    '</p><p>Write it <strong>down</strong>.</p></div>')
    labels = [re.search(r'callout-label">([^<]+)<', RENDERER.render(
        f"::: callout {style}\nText.\n:::\n"))[1] for style in ("key", "important", "tip")]
    assert labels == ["Key message", "Important", "Tip"]


def test_unknown_callout_styles_and_stray_arguments_are_problems_with_lines() -> None:
    _, problems = scan_markdown("::: callout warning\n:::\n\n::: quote big\n:::\n"
                                "::: more\n:::\n", first_line=3)
    assert problems == [
        (3, "unknown callout style 'warning'; use one of: key, important, tip, or "
            "'::: callout' alone for a plain one"),
        (6, "'::: quote' takes nothing after its name (got 'big')"),
        (8, "'::: more' needs the id of a booklet, like '::: more clinical-trials'")]


def test_more_from_us_shows_the_cover_the_title_and_how_to_get_it() -> None:
    renderer = MarkdownRenderer({"trials": "Taking part in a trial"},
                                cover_source=lambda booklet: f"covers/{booklet}.png")
    html = renderer.render("::: more trials\nAsk your nurse.\n:::\n")
    assert html == ('<div class="more-from-us" role="note"><p class="more-label">More from us'
                    '</p><img class="more-cover" src="covers/trials.png" alt="Cover of the '
                    'booklet Taking part in a trial"><p class="more-title"><cite>Taking part in '
                    'a trial</cite></p><p>Ask your nurse.</p></div>')
    references, _ = scan_markdown("Text.\n::: more trials\n:::\n", first_line=4)
    assert references == [Reference("more", "trials", 5)]


def test_figures_take_a_width_a_place_and_a_credit() -> None:
    html = RENDERER.render('![A cup](cup.jpg "A break"){width=45mm place=right '
                           'credit="Photo: Sam\'s cup"}\n')
    assert html == ('<figure class="figure place-right sized" style="width:45mm"><img '
                    'alt="A cup" src="cup.jpg"><figcaption>A break <span class="credit">'
                    'Photo: Sam’s cup</span></figcaption></figure>')
    # A float with no width takes 45% of the column; a full-column picture takes no width.
    assert 'style="width:45%"' in RENDERER.render("![A cup](cup.jpg){place=left}\n")
    assert RENDERER.render("![A cup](cup.jpg){place=column}\n") == (
        '<figure class="figure place-column"><img alt="A cup" src="cup.jpg"></figure>')


def test_large_print_gives_a_width_in_mm_as_the_same_share_of_its_column() -> None:
    large = MarkdownRenderer({}, large_print=True)
    assert 'style="width:50.0%"' in large.render("![A](a.png){width=56.5mm}\n")
    assert 'style="width:40%"' in large.render("![A](a.png){width=40%}\n")


def test_figure_attributes_are_checked_and_only_a_width_reaches_the_layout() -> None:
    _, problems = scan_markdown('![A](a.png){width=40%;color:red place=up credit=""}\n'
                                "![B](b.png){width=120%}\n![C](c.png){place=bleed width=50%}\n",
                                first_line=2)
    assert [line for line, _ in problems] == [2, 2, 2, 3, 4]
    assert problems[0][1].startswith("image width '40%;color:red' must be a percentage")
    assert problems[1][1].startswith("unknown image place 'up'")
    assert problems[2][1].startswith("the image credit is empty")
    assert "must be between 10% and 100%" in problems[3][1]
    assert "an image placed 'bleed' fills the page, so it takes no width" in problems[4][1]
    _, problems = scan_markdown("![A](a.png){width=40% <b>}\n")
    assert problems[0][1].startswith("cannot read the image attributes '{width=40% <b>}'")
    assert sanitise('<figure style="width: 40%; position: fixed; color: red">x</figure>') == (
        '<figure style="width:40%">x</figure>')


def test_links_only_open_web_pages_emails_phones_or_pages_here() -> None:
    """However a link is written (reference-style, in organisation text), a file: or data:
    target never reaches the PDF; pictures may still be local files."""
    assert sanitise('<a href="file:///etc/passwd">x</a><a href="data:text/html,hi">d</a>'
                    '<a href="HTTPS://a.org">w</a><a href="#s">s</a><a href="tel:+441">t</a>'
                    '<img src="file:///x.png" alt="a">') == (
        '<a>x</a><a>d</a><a href="HTTPS://a.org">w</a><a href="#s">s</a><a href="tel:+441">t</a>'
        '<img src="file:///x.png" alt="a">')
    html = RENDERER.render("Read [our page][r].\n\n[r]: file:///etc/passwd\n")
    assert "href=\"file" not in html and "our page" in html


def test_a_bleed_picture_must_stand_at_the_top_level() -> None:
    text = ('::: callout tip\n![A](a.jpg "C"){place=bleed}\n:::\n- item\n\n'
            '  ![A](a.jpg "C"){place=bleed}\n\n![A](a.jpg "C"){place=bleed}\n')
    _, problems = scan_markdown(text, first_line=3)
    assert [line for line, _ in problems] == [4, 8]
    assert problems[0][1].startswith("image 'a.jpg' is placed 'bleed', which fills a page")


def test_a_captioned_picture_is_wide_enough_for_its_caption() -> None:
    _, problems = scan_markdown('![A](a.jpg "Caption"){width=15mm}\n![A](a.jpg){width=15mm}\n'
                                '![A](a.jpg "C"){width=20%}\n![A](a.jpg "C"){width=30mm}\n',
                                first_line=2)
    assert [line for line, _ in problems] == [2, 4]
    assert problems[0][1].startswith("image 'a.jpg' is 15mm wide, too narrow for its caption")
