"""Patient education pages on the seed article's topics, in plain language, with sources.

Each statement points at knowledge-base citations (ids of content/data/citations/*.toml).
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["TOPICS", "Topic", "topic"]


@dataclass(frozen=True, slots=True)
class Topic:
    """One education page: paragraphs and the citation ids behind them."""

    slug: str
    title: str
    paragraphs: tuple[str, ...]
    citation_ids: tuple[str, ...]
    kb_sections: str


TOPICS: tuple[Topic, ...] = (
    Topic(
        "what-is-runners-knee",
        "What runner's knee is",
        (
            "Runner's knee (patellofemoral pain) is pain around or behind the kneecap. "
            "It comes on with activities that load the bent knee while you stand on it, "
            "such as squatting, going up or down stairs, running, hopping or jumping.",
            "Kneecap pain is common and usually not a sign of damage. It often improves "
            "with the right exercise and by adjusting how much you load your knee.",
        ),
        ("CONS-2016-1", "CPG-2019", "KB-EXPECTATION-WORDING"),
        "1.1, 8.2",
    ),
    Topic(
        "symptoms",
        "Symptoms",
        (
            "The typical pain is a dull ache around or behind the kneecap.",
            "It is often felt during or after running, squatting or using stairs, and "
            "after sitting for a long time with the knees bent, or when standing up again.",
            "Some people notice grinding or crackling under the kneecap when the knee "
            "bends. On its own this is a common extra sign, not a reason to worry.",
        ),
        ("CONS-2016-1", "CPG-2019", "NUNES-2013"),
        "1.1, 1.3",
    ),
    Topic(
        "causes",
        "Why it happens",
        (
            "The kneecap joint gets irritated when the load on it rises faster than it can "
            "adapt, for example after a quick increase in running or jumping.",
            "Things that can add to it include weaker hip and thigh muscles, how you land "
            "and run, and your training load. Your physiotherapist checks which of these "
            "apply to you.",
        ),
        ("CONS-2018", "CPG-2019", "ESCULIER-2020"),
        "5.1, 5.6",
    ),
    Topic(
        "how-physio-helps",
        "How physiotherapy helps",
        (
            "Exercise therapy is the main treatment. Strengthening the hip and the thigh "
            "together reduces pain and improves function better than the knee alone.",
            "Your plan may also include advice on load and running, stretches, gait "
            "retraining for runners, and footwear or orthoses for a short period when they "
            "fit your findings.",
            "Some discomfort during exercise can be acceptable if it stays at or below 3 out "
            "of 10 and settles by the next morning.",
        ),
        ("CONS-2018", "CPG-2019", "LACK-2015", "SILBERNAGEL-2007", "PFP-CLINIC-PAIN-LIMIT"),
        "5.1, 5.5, 8.2",
    ),
    Topic(
        "why-early-treatment-matters",
        "Why early treatment matters",
        (
            "Improvement usually takes several weeks. For some people it takes months, and "
            "symptoms can come and go.",
            "Pain that has lasted more than a year is linked with a poorer long-term "
            "outcome, so it helps to start the right exercise early and keep it up.",
            "This program supports, but does not replace, assessment by a qualified health "
            "professional.",
        ),
        ("LANKHORST-2016", "COLLINS-2010", "KB-EXPECTATION-WORDING"),
        "8.1, 8.2",
    ),
)


def topic(slug: str) -> Topic | None:
    """The topic with this slug."""
    return next((t for t in TOPICS if t.slug == slug), None)
