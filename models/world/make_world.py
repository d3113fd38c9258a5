#!/usr/bin/env python3
"""A small synthetic language and a family of tasks over it, where transfer between tasks is real and measurable.

Everything is a pure function of --seed (Python's own `random.Random`, no torch, no network), so the world, its
splits and the task files reproduce exactly.

The language. Pseudo-words built from syllables, each with latent attributes the tasks read:
  nouns       category (animal, person, food, tool, vehicle, place, plant, furniture), animacy (derived: animals
              and people), size (big | small), and a hidden bit no source task reads (a control); plural = stem + "s";
  adjectives  polarity (positive | negative | neutral);
  verbs       present (stem + "s" / stem with a plural subject), past (stem + "ed"), future ("will" + stem), and a
              hidden bit (a control); synonyms: every verb and adjective has a twin with the same meaning.
Sentences: "a|some [adj] SUBJECT VERB a|some [adj] OBJECT [near the PLACE] ." with number agreement. Attributes
leave traces in the text itself, so pretraining can learn them: each verb takes subjects of three categories and
objects of two, a neutral adjective describes nouns of one category, intensifiers precede adjectives of one
polarity, and number shows on the determiner.

The tasks (template → target; `kind` source | target | control; `reads` names the latent attribute):
  8 sources   polarity, subject number, subject category, tense, object animacy, paraphrase (pairs), subject noun
              (generation), object plural (generation);
  6 targets   review polarity (new template, same label words), object number, object category, polarity+tense
              (composition, two-word labels), same-category pairs (entailment-like), object noun (generation);
  2 controls  the subject's hidden bit, the verb's hidden bit (yes | no): nothing in any source reads them.

Output (--out, default models/world/data): corpus.txt (plain sentences for span-corruption pretraining), morphemes.txt
(every stem of the lexicon, for the tokenizer),
multitask.jsonl (the sources' training splits with their text prefixes, shuffled: the base model's second stage),
tasks.json (every task's template, labels, kind, what it reads and which sources share structure with it), and
TASK/{train,validation,test}.jsonl with `fields`/`label` (classification, label = class index) or `input`/`target`.

    python3 models/world/make_world.py --out models/world/data
"""
import argparse
import json
import os
import random

CATEGORIES = ["animal", "person", "food", "tool", "vehicle", "place", "plant", "furniture"]
ANIMATE = {"animal", "person"}
ONSETS = ["b", "d", "f", "g", "k", "l", "m", "n", "p", "r", "s", "t", "v", "z", "br", "kl", "pr", "st", "tr", "gl"]
VOWELS = ["a", "e", "i", "o", "u", "ai", "ou", "ee"]
CODAS = ["", "", "n", "m", "k", "p", "t", "l", "r"]


class World:
    def __init__(self, seed, nouns_per_category=40, adjectives=90, verbs=60, places=24):
        self.rng = random.Random(seed)
        self.used = set()
        self.nouns = []
        for category in CATEGORIES:
            for _ in range(nouns_per_category):
                self.nouns.append({"stem": self.word(2), "category": category, "animate": category in ANIMATE,
                                   "size": self.rng.choice(["big", "small"]), "hidden": self.rng.random() < 0.5})
        self.places = [n for n in self.nouns if n["category"] == "place"][:places]
        self.adjectives = []
        for i in range(adjectives):
            polarity = ["positive", "negative", "neutral"][i % 3]
            stem = self.word(2)
            # A neutral adjective describes nouns of one category only, so where it appears tells the category.
            category = CATEGORIES[(i // 3) % len(CATEGORIES)] if polarity == "neutral" else None
            self.adjectives.append({"stem": stem, "polarity": polarity, "twin": self.word(2), "category": category})
        # Intensifiers that only ever precede adjectives of one polarity: polarity has a distributional signal.
        self.intensifiers = {polarity: [self.word(1) for _ in range(5)] for polarity in ("positive", "negative")}
        # Selectional restrictions: each verb takes subjects of three categories and objects of two.
        self.verbs = [{"stem": self.word(1), "twin": self.word(1), "hidden": self.rng.random() < 0.5,
                       "subjects": set(self.rng.sample(CATEGORIES, 3)), "objects": set(self.rng.sample(CATEGORIES, 2))}
                      for _ in range(verbs)]

    def word(self, syllables):
        while True:
            w = "".join(self.rng.choice(ONSETS) + self.rng.choice(VOWELS) + self.rng.choice(CODAS)
                        for _ in range(syllables))
            if w not in self.used and w not in {"the", "near", "will", "a", "some"} and not w.endswith("s") \
                    and not w.endswith("ed"):
                self.used.add(w)
                return w

    @staticmethod
    def noun_form(noun, plural):
        return noun["stem"] + ("s" if plural else "")

    @staticmethod
    def determiner(plural):
        """Number shows on the determiner too ("a" / "some"), a token of its own whatever the tokenizer does."""
        return "some" if plural else "a"

    @staticmethod
    def verb_form(verb, tense, plural_subject, twin=False):
        stem = verb["twin"] if twin else verb["stem"]
        if tense == "past":
            return stem + "ed"
        if tense == "future":
            return "will " + stem
        return stem if plural_subject else stem + "s"

    def sentence(self, rng, **fixed):
        """A sentence and its latent facts; `fixed` pins any of them (subject, object, polarity, tense, ...)."""
        s = dict(fixed)
        if "verb" not in s:  # a verb that takes the pinned subject and object, if any
            fits = [v for v in self.verbs
                    if ("subject" not in s or s["subject"]["category"] in v["subjects"])
                    and ("object" not in s or s["object"]["category"] in v["objects"])]
            s["verb"] = rng.choice(fits or self.verbs)
        s.setdefault("subject", rng.choice([n for n in self.nouns if n["category"] in s["verb"]["subjects"]]))
        s.setdefault("object", rng.choice([n for n in self.nouns if n["category"] in s["verb"]["objects"]]))
        s.setdefault("subject_plural", rng.random() < 0.5)
        s.setdefault("object_plural", rng.random() < 0.5)
        s.setdefault("tense", rng.choice(["past", "present", "future"]))
        s.setdefault("polarity", rng.choice(["positive", "negative"]))
        s.setdefault("place", rng.choice(self.places) if rng.random() < 0.4 else None)
        # One polar adjective carries the sentence's polarity; a neutral one may sit on the other noun.
        s.setdefault("polar", rng.choice([a for a in self.adjectives if a["polarity"] == s["polarity"]]))
        s.setdefault("polar_on_subject", rng.random() < 0.5)
        other = s["object"] if s["polar_on_subject"] else s["subject"]  # the noun a neutral adjective may describe
        s.setdefault("neutral", rng.choice([a for a in self.adjectives if a["category"] == other["category"]])
                     if rng.random() < 0.5 else None)
        s.setdefault("intensifier", rng.choice(self.intensifiers[s["polarity"]]) if rng.random() < 0.6 else None)
        s.setdefault("twins", False)
        adj = lambda a: (a["twin"] if s["twins"] else a["stem"]) + " " if a else ""
        polar = (s["intensifier"] + " " if s["intensifier"] else "") + adj(s["polar"])
        subject_adj, object_adj = (polar, adj(s["neutral"])) if s["polar_on_subject"] else (adj(s["neutral"]), polar)
        words = [self.determiner(s["subject_plural"]), subject_adj + self.noun_form(s["subject"], s["subject_plural"]),
                 self.verb_form(s["verb"], s["tense"], s["subject_plural"], s["twins"]),
                 self.determiner(s["object_plural"]), object_adj + self.noun_form(s["object"], s["object_plural"])]
        if s["place"]:
            words += ["near", "the", s["place"]["stem"]]
        s["text"] = " ".join(words) + " ."
        return s


def classification(name, kind, template, labels, reads, label_of, shares=()):
    return {"name": name, "kind": kind, "template": template, "labels": labels, "reads": reads,
            "shares": list(shares), "label_of": label_of}


def generation(name, kind, template, reads, target_of, shares=()):
    return {"name": name, "kind": kind, "template": template, "labels": None, "reads": reads,
            "shares": list(shares), "target_of": target_of}


def tasks(world):
    """The 16 tasks: each draws an example (fields, label or target) from a sentence generator."""
    n = lambda s: "many" if s else "one"
    pair = lambda same: (lambda w, rng: pair_example(w, rng, same))
    return [
        # Sources: each reads a different latent attribute or relation.
        classification("polarity", "source", "polarity: {sentence}", ["negative", "positive"], "adjective polarity",
                       lambda s: ["negative", "positive"].index(s["polarity"])),
        classification("subject-number", "source", "subject number: {sentence}", ["one", "many"], "subject number",
                       lambda s: int(s["subject_plural"])),
        classification("subject-category", "source", "subject category: {sentence}", CATEGORIES, "subject category",
                       lambda s: CATEGORIES.index(s["subject"]["category"])),
        classification("tense", "source", "tense: {sentence}", ["past", "present", "future"], "verb tense",
                       lambda s: ["past", "present", "future"].index(s["tense"])),
        classification("object-animacy", "source", "object alive: {sentence}", ["no", "yes"], "object animacy",
                       lambda s: int(s["object"]["animate"])),
        classification("paraphrase", "source", "same meaning: {first} | {second}", ["no", "yes"], "paraphrase (pairs)",
                       None),
        generation("subject-noun", "source", "subject: {sentence}", "subject noun (copy)",
                   lambda s: s["subject"]["stem"]),
        generation("object-plural", "source", "plural of object: {sentence}", "object noun, pluralised",
                   lambda s: World.noun_form(s["object"], True)),
        # Targets: share structure with some sources, not with others.
        classification("review", "target", "review: {sentence} verdict:", ["negative", "positive"],
                       "adjective polarity, new template", lambda s: ["negative", "positive"].index(s["polarity"]),
                       shares=["polarity"]),
        classification("object-number", "target", "how many objects: {sentence}", ["one", "many"], "object number",
                       lambda s: int(s["object_plural"]), shares=["subject-number", "object-plural"]),
        classification("object-category", "target", "object kind: {sentence}", CATEGORIES, "object category",
                       lambda s: CATEGORIES.index(s["object"]["category"]), shares=["subject-category", "object-animacy"]),
        classification("mood-and-time", "target", "mood and time: {sentence}",
                       [f"{p} {t}" for p in ("negative", "positive") for t in ("past", "present", "future")],
                       "polarity and tense (composition)",
                       lambda s: 3 * ["negative", "positive"].index(s["polarity"]) + ["past", "present", "future"].index(s["tense"]),
                       shares=["polarity", "tense"]),
        classification("same-kind", "target", "premise: {premise} hypothesis: {hypothesis}", ["no", "yes"],
                       "whether two subjects share a category (pairs)", None, shares=["paraphrase", "subject-category"]),
        generation("object-noun", "target", "object: {sentence}", "object noun (copy)", lambda s: s["object"]["stem"],
                   shares=["subject-noun", "object-plural"]),
        # Controls: latent bits no source reads.
        classification("hidden-subject", "control", "mark: {sentence}", ["no", "yes"], "the subject's hidden bit",
                       lambda s: int(s["subject"]["hidden"])),
        classification("hidden-verb", "control", "tag: {sentence}", ["no", "yes"], "the verb's hidden bit",
                       lambda s: int(s["verb"]["hidden"])),
    ]


def pair_example(world, rng, task):
    if task["name"] == "paraphrase":
        same = rng.random() < 0.5
        first = world.sentence(rng)
        if same:  # the same facts with every verb and adjective swapped for its twin
            keep = {k: first[k] for k in ("subject", "object", "subject_plural", "object_plural", "tense", "verb",
                                          "polarity", "place", "polar", "neutral", "polar_on_subject", "intensifier")}
            second = world.sentence(rng, **keep, twins=True)
        else:  # a near miss: the same words but another object
            keep = {k: first[k] for k in ("subject", "subject_plural", "tense", "verb", "polarity", "place", "polar",
                                          "polar_on_subject", "intensifier")}
            if not first["polar_on_subject"]:  # the neutral adjective sits on the subject, which stays
                keep["neutral"] = first["neutral"]
            second = world.sentence(rng, **keep)
            while second["object"] is first["object"]:
                second = world.sentence(rng, **keep)
        return {"first": first["text"], "second": second["text"]}, int(same)
    # same-kind: does the hypothesis's subject have the premise's subject's category?
    same = rng.random() < 0.5
    premise = world.sentence(rng)
    pool = [n for n in world.nouns if (n["category"] == premise["subject"]["category"]) == same
            and n is not premise["subject"]]
    hypothesis = world.sentence(rng, subject=rng.choice(pool))
    return {"premise": premise["text"], "hypothesis": hypothesis["text"]}, int(same)


def example(world, task, rng):
    if task["name"] in ("paraphrase", "same-kind"):
        fields, label = pair_example(world, rng, task)
        return {"fields": fields, "label": label}
    s = world.sentence(rng)
    if task["labels"] is not None:
        return {"fields": {"sentence": s["text"]}, "label": task["label_of"](s)}
    return {"input": task["template"].format(sentence=s["text"]), "target": task["target_of"](s)}


def formatted(task, row):
    """The text the model reads and the target it writes (multi-task stage and the corpus of pair tasks)."""
    if "input" in row:
        return row["input"], row["target"]
    return task["template"].format(**row["fields"]), task["labels"][row["label"]]


def write_jsonl(path, rows):
    with open(path, "w") as f:
        for row in rows:
            f.write(json.dumps(row, sort_keys=True) + "\n")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--out", default=os.path.join(os.path.dirname(os.path.abspath(__file__)), "data"))
    parser.add_argument("--corpus-sentences", type=int, default=60000)
    parser.add_argument("--train", type=int, default=2000, help="training examples per target and control task")
    parser.add_argument("--source-train", type=int, default=6000, help="training examples per source task")
    parser.add_argument("--validation", type=int, default=200)
    parser.add_argument("--test", type=int, default=500)
    args = parser.parse_args()

    world = World(args.seed)
    os.makedirs(args.out, exist_ok=True)
    rng = random.Random(args.seed + 1)
    with open(os.path.join(args.out, "corpus.txt"), "w") as f:
        for _ in range(args.corpus_sentences):
            f.write(world.sentence(rng)["text"] + "\n")
    # The lexicon's morpheme boundaries, for the tokenizer: every stem alone and with its endings split off, so that
    # a unigram vocabulary keeps stems whole and endings ("s", "ed") apart, and a plural noun shares its stem's piece.
    with open(os.path.join(args.out, "morphemes.txt"), "w") as f:
        stems = [n["stem"] for n in world.nouns] + [a[k] for a in world.adjectives for k in ("stem", "twin")] \
            + [v[k] for v in world.verbs for k in ("stem", "twin")] + sum(world.intensifiers.values(), [])
        for _ in range(20):
            f.write(" ".join(stems) + "\n")

    all_tasks = tasks(world)
    multitask, listing = [], []
    for index, task in enumerate(all_tasks):
        task_rng = random.Random(args.seed * 1000 + index)
        folder = os.path.join(args.out, task["name"])
        os.makedirs(folder, exist_ok=True)
        splits = {}
        train = args.source_train if task["kind"] == "source" else args.train
        for split, count in (("train", train), ("validation", args.validation), ("test", args.test)):
            splits[split] = [example(world, task, task_rng) for _ in range(count)]
            write_jsonl(os.path.join(folder, f"{split}.jsonl"), splits[split])
        if task["kind"] == "source":
            multitask += [dict(zip(("input", "target"), formatted(task, row))) for row in splits["train"]]
        listing.append({k: task[k] for k in ("name", "kind", "template", "labels", "reads", "shares")})
    random.Random(args.seed + 2).shuffle(multitask)
    write_jsonl(os.path.join(args.out, "multitask.jsonl"), multitask)
    with open(os.path.join(args.out, "tasks.json"), "w") as f:
        json.dump({"seed": args.seed, "tasks": listing}, f, indent=2, sort_keys=True)
        f.write("\n")
    counts = {kind: sum(t["kind"] == kind for t in listing) for kind in ("source", "target", "control")}
    print(f"wrote {args.out}: {args.corpus_sentences} corpus sentences, {len(multitask)} multi-task rows, tasks {counts}")


if __name__ == "__main__":
    main()
