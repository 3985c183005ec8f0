"""Quality advisories of DESIGN §3.4: advice to an organization, never a verdict.

The briefing asks for «качество публикуемого материала – хорошие фото и текст без ошибок» and
lists what good pages do («ИЗ ОПЫТА КОЛЛЕГ»): informative posts, tags, «охват всех направлений
деятельности», regular posting, good photos, video. For the organization's own community posts
of the last 30 days this package reports:

- spelling of the post texts (`spelling`: Hunspell ``ru_RU`` through pyenchant, plus
  ``reports/wordlist.txt``);
- the share of posts with hashtags, with photos, with video (`report`);
- photos below a useful resolution (`report.LOW_RES_MAX_SIDE_PX`);
- engagement: reactions per post and per 100 views (`report`);
- coverage of the directions of activity (`directions.DIRECTIONS`), from hashtags and word
  lemmas (`words`).

Each advice carries up to ``EXAMPLES_PER_ADVICE`` examples linked to the posts (`examples`).

Everything but ``organization_quality`` is a pure function over ``monitoring.types.Post``
(no database, no HTTP); the selector loads the posts in one query and calls them. Nothing here
changes a compliance status: these numbers are shown, not judged.

Which posts count: community posts (DESIGN §3.2) dated within the window, without reposts. A
repost's text and photos belong to the original author (``Post.attachment_kinds`` and
``largest_photo_px`` hold only the post's own attachments), so judging them would blame the
school for someone else's post or for «no photo» on a repost that has one; the report says how
many reposts it left out.
"""

from reports.posts import excerpt, has_hashtags, has_photo, has_video, post_url
from reports.quality.directions import (
    DIRECTIONS,
    CoverageAdvice,
    Direction,
    DirectionCoverage,
    coverage_advice,
    normal_hashtag,
    post_directions,
    post_lemmas,
)
from reports.quality.examples import EXAMPLES_PER_ADVICE, PostExample, example
from reports.quality.report import (
    DEFAULT_DAYS,
    LOW_RES_MAX_SIDE_PX,
    EngagementAdvice,
    LowResolutionAdvice,
    QualityReport,
    ShareAdvice,
    engagement_advice,
    low_resolution_advice,
    organization_quality,
    posts_in_window,
    quality_report,
    reactions,
    share_advice,
)
from reports.quality.spelling import (
    NOTICE_NO_DICTIONARY,
    NOTICE_NO_ENCHANT,
    NOTICE_SPELLING_FAILED,
    SPELLING_LANGUAGE,
    Misspelling,
    SpellingAdvice,
    SpellingChecker,
    checked_words,
    misspelled_words,
    spelling_advice,
    spelling_checker,
)

__all__ = [
    "DEFAULT_DAYS",
    "DIRECTIONS",
    "EXAMPLES_PER_ADVICE",
    "LOW_RES_MAX_SIDE_PX",
    "NOTICE_NO_DICTIONARY",
    "NOTICE_NO_ENCHANT",
    "NOTICE_SPELLING_FAILED",
    "SPELLING_LANGUAGE",
    "CoverageAdvice",
    "Direction",
    "DirectionCoverage",
    "EngagementAdvice",
    "LowResolutionAdvice",
    "Misspelling",
    "PostExample",
    "QualityReport",
    "ShareAdvice",
    "SpellingAdvice",
    "SpellingChecker",
    "checked_words",
    "coverage_advice",
    "engagement_advice",
    "example",
    "excerpt",
    "has_hashtags",
    "has_photo",
    "has_video",
    "low_resolution_advice",
    "misspelled_words",
    "normal_hashtag",
    "organization_quality",
    "post_directions",
    "post_lemmas",
    "post_url",
    "posts_in_window",
    "quality_report",
    "reactions",
    "share_advice",
    "spelling_advice",
    "spelling_checker",
]
