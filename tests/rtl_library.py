"""A library with one Arabic booklet, for the right-to-left tests."""

from __future__ import annotations

import shutil
import textwrap
from pathlib import Path

from conftest import CONTENT

PHONE = "0333 050 7654"
WEB = "www.cclg.org.uk"
NAME = "Heather Borrill"

MANIFEST = f"""\
title: المشاركة في تجربة سريرية
subtitle: للآباء والعائلات
language: ar
edition: 2025-06
next_review: 2028-06
keywords: [تجارب سريرية]
reviewers:
  - name: {NAME}
    role: أخصائية علم النفس السريري
    organisation: Great North Children's Hospital
disclaimer: >-
  نعمل بجد للتأكد من أن هذه المعلومات دقيقة وحديثة. وهي لا تغني عن نصيحة الفريق الطبي لطفلك.
feedback: >-
  أخبرنا برأيك في هذا الكتيب: publications@cclg.org.uk
sections:
  - 01-trial.md
  - 02-why.md
  - 03-more.md
notes_pages: 1
support:
  - macmillan
  - maggies
"""

SECTION_ONE = f"""\
---
title: ما هي التجربة السريرية؟
---
التجربة السريرية دراسة بحثية يشارك فيها المرضى. تساعدنا التجارب على معرفة ما إذا
كان العلاج الجديد آمنًا، وما إذا كان يعمل، وما إذا كان أفضل من العلاج المستخدم الآن.

اتصل بنا على {PHONE} أو زر موقعنا {WEB} لمزيد من المعلومات.

راجعت هذا الكتيب <span lang="en">{NAME}</span> مع فريق من الأطباء والممرضين والآباء.

::: callout
المشاركة في التجربة هي دائمًا اختيارك. سيحصل طفلك على أفضل رعاية يمكن للفريق تقديمها،
سواء وافقت أم لا.
:::

## أسئلة قد ترغب في طرحها

- ما الهدف من هذه التجربة؟
- ما العلاجات التي تتم مقارنتها؟
- ماذا يحدث إذا قررنا الانسحاب؟
"""

SECTION_TWO = """\
---
title: لماذا تهم التجارب الأطفال
---
![فنجان قهوة صغير على صحن أحمر](coffee.jpg "بضع دقائق هادئة قد تساعد"){width=45mm place=right}

السرطان عند الأطفال نادر، لذلك تعمل المستشفيات في المملكة المتحدة وبلدان أخرى معًا على
التجارب. وهذا يعني أن كثيرًا من الأطفال يمكنهم المشاركة وأن النتائج تأتي أسرع.

على مر السنين، حسّنت التجارب كثيرًا فرص البقاء على قيد الحياة لكثير من سرطانات الأطفال.
كما وجدت طرقًا لتقليل الآثار الجانبية طويلة المدى للعلاج.

::: callout tip
اطلب من الفريق نسخة مكتوبة من معلومات التجربة، وخذ وقتك لقراءتها في البيت.
:::
"""

SECTION_THREE = """\
---
title: قصص وأسئلة
---
::: quote
"لا يوجد طفلان متشابهان. سيشرح لك الفريق كل خيار."
-- الدكتور مارتن، استشاري أورام الأطفال
:::

## تحدث عن مشاعرك {icon=talk}

مشاركة مخاوفك مع شريك أو صديق قد تخفف من ثقلها.

::: questions
- هل يمكننا الانسحاب في أي وقت؟
:::

::: more clinical-trials
الكتيب مجاني. اطلبه من فريق طفلك.
:::

استبيان قصير: [[qr:www.cclg.org.uk/survey]]
"""


def arabic_library(root: Path, slug: str = "trials-ar") -> Path:
    """Copy the sample library into root, set in Noto Sans Arabic, with an Arabic booklet."""
    content = root / "content"
    shutil.copytree(CONTENT, content)
    organisation = content / "organisation.yaml"
    text = organisation.read_text(encoding="utf-8")
    text = text.replace("typeface: Atkinson Hyperlegible", "typeface: Noto Sans Arabic")
    # Noto Sans Arabic sets taller lines than the brand face: a shorter text fits the back.
    start = text.index("about: >-")
    text = text[:start] + "about: نكتب معلومات مجانية وموثوقة للعائلات.\n" \
        + text[text.index("legal_note:"):]
    organisation.write_text(text, encoding="utf-8")
    folder = content / slug
    folder.mkdir()
    for name, body in {"booklet.yaml": MANIFEST, "01-trial.md": SECTION_ONE,
                       "02-why.md": SECTION_TWO,
                       "03-more.md": SECTION_THREE}.items():
        (folder / name).write_text(textwrap.dedent(body), encoding="utf-8")
    images = CONTENT / "relapsed-cancer" / "images"
    shutil.copy(images / "coffee.jpg", folder / "coffee.jpg")
    shutil.copytree(images / "icons", folder / "images" / "icons")
    return content
