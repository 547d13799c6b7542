"""Small synthetic stand-ins for the course data, written in the real files' formats.

The smoke profile runs every notebook on these files (through ``COURSE_DATA_FIXTURES``), so the
tests need neither the network nor the data mirror. The text is generated from word lists with
a fixed seed, so that a model can learn something from it in seconds.
"""

from __future__ import annotations

import csv
import hashlib
import random
from pathlib import Path

POSITIVE = "good great wonderful moving funny charming brilliant beautiful delightful clever".split()
NEGATIVE = "bad awful boring dull tedious clumsy stupid painful messy weak".split()
NEUTRAL = "the movie film story acting plot director cast script ending scenes music".split()

HAM = [
    "are we still meeting for lunch at {n}",
    "ok i will call you when i get home",
    "can you pick up some milk on the way back",
    "sorry i missed your call , talk later",
    "the bus is late again , see you at {n}",
    "happy birthday ! hope you have a great day",
]
SPAM = [
    "WINNER !! you have won a {n} cash prize . call 0906{n} now to claim",
    "FREE entry to win a new phone . text WIN to 8{n} . T&C apply",
    "URGENT your account has a reward of {n} pounds . reply YES to claim",
]

EMOTION_WORDS = {
    "sadness": "sad lonely miserable hopeless gloomy heartbroken",
    "joy": "happy glad cheerful delighted pleased content",
    "love": "loving caring tender affectionate devoted romantic",
    "anger": "angry furious irritated annoyed resentful bitter",
    "fear": "scared afraid nervous anxious terrified worried",
    "surprise": "surprised amazed shocked astonished stunned curious",
}
EMOTION_COUNTS = {"train": 60, "validation": 12, "test": 12}  # per label
EMOTION_FILES = {"train": "train.txt", "validation": "val.txt", "test": "test.txt"}

PLACES = ["清水寺", "金閣寺", "銀閣寺", "二条城", "東寺", "平等院", "伏見稲荷大社", "南禅寺", "天龍寺", "醍醐寺"]
PEOPLE = ["足利義満", "足利義政", "徳川家康", "空海", "豊臣秀吉", "藤原頼通", "夢窓疎石", "雪舟", "千利休", "後醍醐天皇"]
THINGS = ["庭園", "本堂", "山門", "五重塔", "茶室", "書院", "仏像", "襖絵", "石垣", "回廊"]
ERAS = ["平安時代", "鎌倉時代", "室町時代", "安土桃山時代", "江戸時代"]


def _sst2_rows(rng: random.Random, n: int) -> list[tuple[str, int]]:
    rows = []
    for _ in range(n):
        label = rng.random() < 0.55
        cue = POSITIVE if label else NEGATIVE
        words = rng.sample(NEUTRAL, 3) + rng.sample(cue, rng.randint(1, 2))
        if rng.random() < 0.2:
            words.append(rng.choice(NEGATIVE if label else POSITIVE))
        rng.shuffle(words)
        rows.append((" ".join(words) + " ", int(label)))
    return rows


def _paragraph(rng: random.Random) -> str:
    place, person, thing, era = rng.choice(PLACES), rng.choice(PEOPLE), rng.choice(THINGS), rng.choice(ERAS)
    sentences = [
        f"{place}は京都にある寺院で、{era}に{person}によって整えられた。",
        f"{place}の{thing}は{rng.randint(1200, 1900)}年に再建されたと伝えられる。",
        f"{person}は{thing}を好み、多くの人々がこの地を訪れた。",
        f"現在の{thing}は{era}の様式をよく残している。",
    ]
    return "".join(rng.sample(sentences, rng.randint(2, 4)))


def write_fixture_data(root: Path, seed: int = 0) -> Path:
    """Write every fixture file under ``root`` (the mirror's layout) plus ``SHA256SUMS``."""
    rng = random.Random(seed)
    files: dict[str, str] = {}

    for split, n in (("train", 400), ("dev", 80)):
        lines = ["sentence\tlabel"] + [f"{s}\t{y}" for s, y in _sst2_rows(rng, n)]
        files[f"SST-2/{split}.tsv"] = "\n".join(lines) + "\n"
    test = ["index\tsentence"] + [f"{i}\t{s}" for i, (s, _) in enumerate(_sst2_rows(rng, 40))]
    files["SST-2/test.tsv"] = "\n".join(test) + "\n"

    spam_rows = []
    for _ in range(300):
        is_spam = rng.random() < 0.134
        template = rng.choice(SPAM if is_spam else HAM)
        spam_rows.append((int(is_spam), template.format(n=rng.randint(100, 999))))
    spam_path = root / "spam" / "spamdata_v2.csv"
    spam_path.parent.mkdir(parents=True, exist_ok=True)
    with open(spam_path, "w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(["label", "text"])
        writer.writerows(spam_rows)

    for split, per_label in EMOTION_COUNTS.items():
        lines = []
        for label, words in EMOTION_WORDS.items():
            for _ in range(per_label):
                filler = rng.sample("i feel so today really very quite about this".split(), 4)
                lines.append(" ".join(filler + rng.sample(words.split(), 2)) + f";{label}")
        rng.shuffle(lines)
        files[f"emotion/{EMOTION_FILES[split]}"] = "\n".join(lines) + "\n"

    files["jawiki/jawiki_kyoto_paragraphs.txt"] = "\n".join(_paragraph(rng) for _ in range(600)) + "\n"

    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8", newline="\n")

    sums = []
    for path in sorted(p for p in root.rglob("*") if p.is_file() and p.name != "SHA256SUMS"):
        digest = hashlib.sha256(path.read_bytes()).hexdigest()
        sums.append(f"{digest}  ./{path.relative_to(root).as_posix()}")
    (root / "SHA256SUMS").write_text("\n".join(sums) + "\n")
    return root
