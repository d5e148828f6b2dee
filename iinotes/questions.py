"""The question bank: questions for an informational interview, by category (our own words)."""

from __future__ import annotations

QUESTIONS: dict[str, tuple[str, ...]] = {
    "requirements and experience": (
        "How did you get into this work, and what would you do differently today?",
        "Which skills matter most in your day-to-day, and which can be learned on the job?",
        "What experience do people usually have when they are hired into a role like yours?",
        "Which credentials are worth the time and money, and which are not?",
        "What could someone coming from my background bring that others might not?",
    ),
    "environment": (
        "What does a normal week look like for you?",
        "Who do you work with most closely, and how are decisions made?",
        "How is your team organised, and who do you report to?",
        "How much of your time is meetings, focused work and travel?",
        "What tools and habits does your team rely on?",
    ),
    "rewards and challenges": (
        "What part of the job do you enjoy most?",
        "What is the hardest or most frustrating part?",
        "What surprised you when you started?",
        "How does the work fit with the rest of your life?",
        "What kind of person tends to struggle in this role?",
    ),
    "outlook": (
        "How is the field changing, and what will matter more in five years?",
        "Is your organisation hiring, and for which kinds of roles?",
        "Where do the entry points into this field tend to be?",
        "Which trends or technologies should I be learning about now?",
        "How do people usually grow from a role like yours?",
    ),
    "advice": (
        "If you were in my position, what would you do in the next three months?",
        "Is there a small project I could do to test whether this work suits me?",
        "What should I read, follow or join to learn more?",
        "How would you present my background to someone hiring in this field?",
        "What mistakes do newcomers often make?",
    ),
    "who else to talk to": (
        "Who else would you suggest I talk to?",
        "Is there someone with a path like mine I could learn from?",
        "Would you be comfortable introducing me, or may I mention your name?",
        "Are there groups or events where people in this field meet?",
        "Who sees this work from a different angle (a client, a manager, a newcomer)?",
    ),
}

CATEGORIES = tuple(QUESTIONS)


def questions(category: str | None = None) -> dict[str, tuple[str, ...]]:
    """The bank, or one category of it (ValueError naming the categories when unknown)."""
    if category is None:
        return dict(QUESTIONS)
    key = category.strip().lower()
    if key not in QUESTIONS:
        raise ValueError(f"no question category {category!r}; choose one of: {', '.join(CATEGORIES)}")
    return {key: QUESTIONS[key]}


def bank_text(category: str | None = None) -> str:
    """The bank as Markdown: a heading per category and its questions as a list."""
    out: list[str] = []
    for name, items in questions(category).items():
        out += ([""] if out else []) + [f"## {name.capitalize()}"] + [f"- {q}" for q in items]
    return "\n".join(out) + "\n"


def section(per_category: int = 1) -> str:
    """A Questions list for a new interview note: the first questions of every category."""
    lines = []
    for name, items in QUESTIONS.items():
        for question in items[:per_category]:
            lines.append(f"- **{name.capitalize()}**: {question}")
    return "\n".join(lines) + "\n"
