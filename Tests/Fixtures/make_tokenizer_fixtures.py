#!/usr/bin/env python3
"""Tokenizer fixtures for Album's Tokenization tests (reference: HF `tokenizers` + `transformers`).

Trains three small SentencePiece models on a generated multilingual corpus, converts them with `transformers`, and
records the reference ids, tokens and decodes for a list of hard cases plus seeded random Unicode strings.

Outputs (under Tests/Fixtures/tokenizer/):
  unigram/        T5-style unigram model (<pad>=0, </s>=1, <unk>=2, 100 <extra_id_N> at the end), saved by
                  transformers' T5Tokenizer: tokenizer.json, spiece.model, tokenizer_config.json,
                  special_tokens_map.json; plus tokenizer.old.json (older JSON dialect, see below).
  unigram-bf/     unigram with byte_fallback (identity normalization), converted by transformers' SpmConverter
                  (Strip + Replace normalizers, Metaspace, Llama-style decoder).
  bpe/            SentencePiece BPE with byte_fallback, converted the way transformers converts a bare SentencePiece
                  file (SentencePieceExtractor + SpmConverter.build_tokenizer_from_spm_proto): merges by rank.
  cases.json      reference results for every (tokenizer, dialect) and every case.

Older JSON dialect (tokenizer.old.json): the current file is rewritten the way tokenizers < 0.14 wrote it:
Metaspace gets `add_prefix_space: true` + `str_rep` and loses `prepend_scheme`/`split`; the normalizer becomes
Sequence[Precompiled, Replace(Regex " {2,}" -> " ")] and the pre-tokenizer is that Metaspace alone (this is the
shape of transformers 4.2x T5 conversions). The rewritten file is loaded back with `tokenizers` and its reference ids
are recorded separately.

Usage: python3 Tests/Fixtures/make_tokenizer_fixtures.py   (run from the repository root; needs sentencepiece,
tokenizers, transformers, protobuf).
"""
import base64
import json
import os
import random
import shutil
import sys
import tempfile

import sentencepiece as spm
import tokenizers
import transformers
from tokenizers import Tokenizer, decoders
from transformers import T5Tokenizer
from transformers.convert_slow_tokenizer import SpmConverter

ROOT = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(ROOT, "tokenizer")

# ----------------------------------------------------------------------------------------------------------------
# Corpus: a fixed multilingual sample, recombined with a seeded generator.
SENTENCES = [
    "The quick brown fox jumps over the lazy dog.",
    "translate English to German: The house is wonderful.",
    "summarize: studies have shown that owning a dog is good for you.",
    "Machine learning models are trained on large amounts of text data.",
    "It's a beautiful day; isn't it? Let's go to the park at 10:30 a.m.",
    "Prices rose 3.5% in 2023, compared with 2.1% in 2022.",
    "Le renard brun rapide saute par-dessus le chien paresseux.",
    "L'été dernier, nous sommes allés à la plage près de Marseille.",
    "Der schnelle braune Fuchs springt über den faulen Hund.",
    "Straße, Größe, Übung und Äpfel sind deutsche Wörter.",
    "El rápido zorro marrón salta sobre el perro perezoso.",
    "¿Dónde está la biblioteca? ¡Está cerca de la estación!",
    "O rápido raposo marrom pula sobre o cão preguiçoso.",
    "Быстрая коричневая лиса прыгает через ленивую собаку.",
    "Москва — столица России, а Киев — столица Украины.",
    "Η γρήγορη καφέ αλεπού πηδάει πάνω από τον τεμπέλη σκύλο.",
    "敏捷的棕色狐狸跳过了懒狗。",
    "我们今天去北京大学参观图书馆，然后吃午饭。",
    "机器学习是人工智能的一个分支。",
    "東京は日本の首都です。今日はいい天気ですね。",
    "すばやい茶色の狐がのろまな犬を飛び越える。",
    "빠른 갈색 여우가 게으른 개를 뛰어넘는다.",
    "서울은 대한민국의 수도입니다. 오늘 날씨가 좋네요.",
    "Con cáo nâu nhanh nhẹn nhảy qua con chó lười biếng.",
    "Tiếng Việt có nhiều dấu thanh: à, á, ả, ã, ạ, ằ, ắ, ẳ, ẵ, ặ.",
    "Hà Nội là thủ đô của Việt Nam.",
    "الثعلب البني السريع يقفز فوق الكلب الكسول.",
    "तेज़ भूरी लोमड़ी आलसी कुत्ते के ऊपर कूदती है।",
    "השועל החום המהיר קופץ מעל הכלב העצלן.",
    "Hızlı kahverengi tilki tembel köpeğin üzerinden atlar.",
    "Szybki brązowy lis przeskakuje nad leniwym psem.",
    "Rychlá hnědá liška skáče přes líného psa.",
    "ﬁnancial ﬂow: ｆｕｌｌ－ｗｉｄｔｈ ＡＢＣ １２３ and ① ② ③ ™ ㎏ ㍻.",
    "Emoji: 👍 👍🏽 👨‍👩‍👧 🇫🇷 ❤️ 😀!",
    "def f(x):\n\treturn x * 2  # code\n",
    "Email me at someone@example.com or visit https://example.org/path?q=1.",
]
WORDS = sorted({w for s in SENTENCES for w in s.replace("\n", " ").replace("\t", " ").split(" ") if w})


CJK = "".join(sorted({c for s in SENTENCES for c in s if 0x3040 <= ord(c) <= 0x9FFF}))


def pseudo_word(rng):
    """A made-up word in one of several scripts, so the trained vocabulary reaches its size."""
    kind = rng.randrange(5)
    n = rng.randint(1, 4)
    if kind == 0:
        return "".join(rng.choice("bcdfghklmnprstvwz") + rng.choice("aeiouy") for _ in range(n))
    if kind == 1:
        return "".join(rng.choice("бвгдзклмнпрст") + rng.choice("аеиоуыя") for _ in range(n))
    if kind == 2:
        return "".join(chr(0xAC00 + rng.randrange(40) * 28 * 21 // 40 * 1 + rng.randrange(21) * 28) for _ in range(n))
    if kind == 3:
        return "".join(rng.choice(CJK) for _ in range(n + 1))
    return "".join(rng.choice("bcdđghklmnt") + rng.choice("aàáảãạâấầeéèêếềoóòôốơớuúùưứiíì") for _ in range(n))


def make_corpus(path, lines=12000, seed=1234):
    rng = random.Random(seed)
    with open(path, "w", encoding="utf-8") as f:
        for s in SENTENCES:
            f.write(s.replace("\n", " ") + "\n")
        for _ in range(lines):
            r = rng.random()
            if r < 0.3:
                f.write(rng.choice(SENTENCES).replace("\n", " ") + "\n")
            elif r < 0.6:
                n = rng.randint(3, 14)
                f.write(" ".join(rng.choice(WORDS) for _ in range(n)) + "\n")
            else:
                n = rng.randint(3, 14)
                f.write(" ".join(pseudo_word(rng) if rng.random() < 0.6 else rng.choice(WORDS)
                                 for _ in range(n)) + "\n")


def train(prefix, corpus, model_type, vocab_size, byte_fallback, rule="nmt_nfkc"):
    spm.SentencePieceTrainer.train(
        input=corpus, model_prefix=prefix, model_type=model_type, vocab_size=vocab_size,
        character_coverage=0.995, normalization_rule_name=rule, byte_fallback=byte_fallback,
        pad_id=0, eos_id=1, unk_id=2, bos_id=-1, hard_vocab_limit=False, num_threads=1,
        minloglevel=2, split_digits=False, max_sentence_length=100000)


# ----------------------------------------------------------------------------------------------------------------
# Hard cases.
def hard_cases():
    rng = random.Random(99)
    long_words = [rng.choice(WORDS) for _ in range(2500)]
    return [
        ("empty", ""),
        ("simple", "Hello world"),
        ("t5_prompt", "translate English to German: The house is wonderful."),
        ("spaces_run", "a    b     c"),
        ("only_spaces", "     "),
        ("lead_trail_space", "  leading and trailing  "),
        ("tabs_newlines", "tab\there\nnew line\r\nwindows\r\rcr\n\n"),
        ("only_whitespace_mix", " \t\n \r\n "),
        ("ligatures", "ﬁ ﬂ ﬀ ﬃ ﬄ ﬅ ﬆ oﬃce"),
        ("fullwidth", "ＡＢＣ ｄｅｆ　１２３！？ ｶﾀｶﾅ"),
        ("compat", "① ⅻ ™ ㎏ ㍻ ¹²³ ½ µ Å K ℃ ＠ ︙"),
        ("combining_vs_precomposed", "é é ñ ñ Å Å ế ế"),
        ("combining_stack", "a\u0301\u0302\u0303 x\u0308\u0304 q\u0307"),
        ("combining_after_compat", "ｱ\u0301 ﬁ\u0301 ①\u0308 K\u0301"),
        ("zero_width", "zero\u200bwidth\u200cjoin\u200dx\ufeffbom\u2060wj"),
        ("nbsp", "no\u00a0break\u202fnarrow\u2007figure\u3000ideographic\u2009thin"),
        ("chinese", "我们今天去北京大学参观图书馆，然后吃午饭。机器学习！"),
        ("korean", "서울은 대한민국의 수도입니다. 한글 자모 ᄒ ᅡ ᆫ"),
        ("korean_jamo", "\u1112\u1161\u11ab\u1100\u1173\u11af"),
        ("japanese", "東京は日本の首都です。ｶﾞｷﾞ ガギ"),
        ("vietnamese", "Tiếng Việt: Hà Nội, thủ đô; dấu: ằ ắ ẳ ẵ ặ"),
        ("vietnamese_decomposed", "Tie\u0302\u0301ng Vie\u0323\u0302t"),
        ("emoji_modifiers", "👍🏽 👨‍👩‍👧‍👦 🏳️‍🌈 🇫🇷🇩🇪 ❤️ 1️⃣ #️⃣"),
        ("unknown_scripts", "ᚠᚢᚦᚨᚱᚲ 𓀀𓀁 ꦲꦏ ⴰⵣⵓⵍ 𐌰𐌱 ᎠᎡᎢ"),
        ("private_use", "\ue000\uf8ff \U000f0000"),
        ("controls", "a\u0000b\u0001c\u007fd\u0085e\u008af\u200eg"),
        ("special_in_text", "Hello </s> world <pad> and <unk> too"),
        ("extra_ids", "The <extra_id_0> walks in <extra_id_1> park<extra_id_99>."),
        ("special_adjacent", "</s></s><pad>x<extra_id_5>y"),
        ("special_spaces", "  <extra_id_0>  after  "),
        ("special_like", "<extra_id_100> <extra_id_> </s > <s> <0x41>"),
        ("byte_tokens_text", "<0xE4><0xBD> ▁ ▁▁ ▁x"),
        ("metaspace_char", "▁hello▁ ▁ world"),
        ("punctuation", "Hello, world! (Yes.) \"Quotes\" 'single' — dash … ellipsis"),
        ("numbers", "3.14159 1,000,000 ١٢٣ ১২৩ ０１２"),
        ("mixed_scripts", "Hello世界Привет🌍مرحبا"),
        ("rtl_marks", "abc\u200fdef\u202egh\u202c"),
        ("surrogate_plane", "𝔘𝔫𝔦𝔠𝔬𝔡𝔢 𝐀𝐁𝐂 𝟎𝟏𝟐"),
        ("long_word", "a" * 300 + "b" * 100),
        ("very_long", " ".join(long_words)),
        ("long_cjk", "我们今天去北京大学" * 200),
    ]


# ----------------------------------------------------------------------------------------------------------------
# Seeded random Unicode strings.
RANGES = [
    (0x20, 0x7E, 30), (0x09, 0x0D, 4), (0xA0, 0xFF, 6), (0x100, 0x24F, 4), (0x300, 0x36F, 5), (0x370, 0x3FF, 2),
    (0x400, 0x4FF, 3), (0x590, 0x6FF, 2), (0x900, 0x97F, 2), (0xE00, 0xE7F, 1), (0x1100, 0x11FF, 2),
    (0x1E00, 0x1EFF, 3), (0x2000, 0x206F, 4), (0x2100, 0x24FF, 3), (0x3000, 0x30FF, 3), (0x3300, 0x33FF, 1),
    (0x4E00, 0x9FFF, 6), (0xAC00, 0xD7A3, 3), (0xE000, 0xF8FF, 1), (0xFB00, 0xFB4F, 2), (0xFE00, 0xFE0F, 1),
    (0xFF00, 0xFFEF, 3), (0x10000, 0x1FFFF, 2), (0x1F300, 0x1F6FF, 3), (0x1F3FB, 0x1F3FF, 1), (0x20000, 0x2FFFF, 1),
    (0xE0000, 0xE007F, 1), (0xF0000, 0x10FFFF, 1), (0x00, 0x1F, 1),
]
SPECIAL_SNIPPETS = ["</s>", "<pad>", "<unk>", "<extra_id_0>", "<extra_id_42>", "  ", "\u200d", "▁"]


def random_strings(n, seed):
    rng = random.Random(seed)
    weights = [w for _, _, w in RANGES]
    out = []
    for _ in range(n):
        length = rng.choice([0, 1, 2, 3, 5, 8, 13, 21, 34])
        chars = []
        for _ in range(length):
            if rng.random() < 0.03:
                chars.append(rng.choice(SPECIAL_SNIPPETS))
                continue
            lo, hi, _ = rng.choices(RANGES, weights)[0]
            cp = rng.randint(lo, hi)
            if 0xD800 <= cp <= 0xDFFF:
                cp = 0x41
            chars.append(chr(cp))
        out.append("".join(chars))
    return out


# ----------------------------------------------------------------------------------------------------------------
def record(encode, decode, texts, full):
    """ids + decode(skip_special_tokens=True) always; tokens and decode(skip_special_tokens=False) when `full`."""
    results = []
    for text in texts:
        ids, tokens = encode(text)
        r = {"ids": ids, "decoded": decode(ids, True)}
        if full:
            r["tokens"] = tokens
            r["decoded_with_special"] = decode(ids, False)
        results.append(r)
    return results


def hf_fns(tok):
    def enc(text):
        ids = tok(text)["input_ids"]
        return ids, tok.convert_ids_to_tokens(ids)
    return enc, lambda ids, skip: tok.decode(ids, skip_special_tokens=skip)


def rust_fns(tok):
    def enc(text):
        e = tok.encode(text)
        return e.ids, e.tokens
    return enc, lambda ids, skip: tok.decode(ids, skip_special_tokens=skip)


def old_dialect(path_in, path_out):
    with open(path_in, encoding="utf-8") as f:
        j = json.load(f)
    norm = j["normalizer"]
    precompiled = norm if norm["type"] == "Precompiled" else next(
        n for n in norm["normalizers"] if n["type"] == "Precompiled")
    j["normalizer"] = {"type": "Sequence", "normalizers": [
        precompiled, {"type": "Replace", "pattern": {"Regex": " {2,}"}, "content": " "}]}
    j["pre_tokenizer"] = {"type": "Metaspace", "replacement": "▁", "str_rep": "▁", "add_prefix_space": True}
    j["decoder"] = {"type": "Metaspace", "replacement": "▁", "str_rep": "▁", "add_prefix_space": True}
    with open(path_out, "w", encoding="utf-8") as f:
        json.dump(j, f, ensure_ascii=False, separators=(",", ":"))


class _Orig:
    """Stands in for a slow tokenizer: SpmConverter reads only these attributes."""

    def __init__(self, vocab_file):
        self.vocab_file = vocab_file
        self.add_prefix_space = True
        self.legacy = True


class ByteFallbackSpmConverter(SpmConverter):
    """transformers' SpmConverter with byte fallback enabled and a Llama-style decoder."""
    handle_byte_fallback = True

    def decoder(self, replacement, add_prefix_space):
        return decoders.Sequence([decoders.Replace("▁", " "), decoders.ByteFallback(), decoders.Fuse(),
                                  decoders.Strip(content=" ", left=1)])


def convert_generic(model_file, out_dir, bpe):
    from tokenizers import processors
    if bpe:
        # The path transformers takes for a SentencePiece BPE file without a model-specific class
        # (TokenizersBackend._convert_from_sentencepiece): vocab + merges from the proto, no pre-tokenizer.
        from tokenizers.models import BPE
        from transformers.convert_slow_tokenizer import SentencePieceExtractor
        extractor = SentencePieceExtractor(model_file)
        kw = extractor.extract(BPE)
        tok = SpmConverter.build_tokenizer_from_spm_proto(extractor.proto, kw["vocab"], kw["merges"])
    else:
        tok = ByteFallbackSpmConverter(_Orig(model_file)).converted()
    eos = tok.token_to_id("</s>")
    tok.post_processor = processors.TemplateProcessing(single=["$A", "</s>"], pair=["$A", "</s>", "$B", "</s>"],
                                                       special_tokens=[("</s>", eos)])
    tok.add_special_tokens(["</s>", "<pad>", "<unk>"])
    os.makedirs(out_dir, exist_ok=True)
    tok.save(os.path.join(out_dir, "tokenizer.json"), pretty=False)
    return Tokenizer.from_file(os.path.join(out_dir, "tokenizer.json"))


def main():
    versions = {"transformers": transformers.__version__, "tokenizers": tokenizers.__version__,
                "sentencepiece": spm.__version__}
    os.makedirs(OUT, exist_ok=True)
    tmp = tempfile.mkdtemp()
    corpus = os.path.join(tmp, "corpus.txt")
    make_corpus(corpus)

    # 1. T5-style unigram, through transformers' T5Tokenizer (spiece.model -> tokenizer.json).
    train(os.path.join(tmp, "uni"), corpus, "unigram", 2000, False)
    src = os.path.join(tmp, "uni_src")
    os.makedirs(src)
    shutil.copy(os.path.join(tmp, "uni.model"), os.path.join(src, "spiece.model"))
    t5 = T5Tokenizer.from_pretrained(src, extra_ids=100)
    uni_dir = os.path.join(OUT, "unigram")
    if os.path.isdir(uni_dir):
        shutil.rmtree(uni_dir)
    t5.save_pretrained(uni_dir)
    if not os.path.exists(os.path.join(uni_dir, "spiece.model")):
        shutil.copy(os.path.join(tmp, "uni.model"), os.path.join(uni_dir, "spiece.model"))
    if not os.path.exists(os.path.join(uni_dir, "special_tokens_map.json")):
        with open(os.path.join(uni_dir, "special_tokens_map.json"), "w") as f:
            json.dump({"eos_token": "</s>", "unk_token": "<unk>", "pad_token": "<pad>",
                       "additional_special_tokens": [f"<extra_id_{i}>" for i in range(100)]}, f, indent=2)
    old_dialect(os.path.join(uni_dir, "tokenizer.json"), os.path.join(uni_dir, "tokenizer.old.json"))
    t5_loaded = T5Tokenizer.from_pretrained(uni_dir)
    sp_only = os.path.join(tmp, "sp_only")
    os.makedirs(sp_only)
    shutil.copy(os.path.join(uni_dir, "spiece.model"), os.path.join(sp_only, "spiece.model"))
    t5_from_spiece = T5Tokenizer.from_pretrained(sp_only)

    # 2. unigram with byte fallback, 3. BPE with byte fallback (SpmConverter).
    # (unigram-bf uses the identity normalization rule: no charsmap, keeping the fixture small.)
    train(os.path.join(tmp, "unibf"), corpus, "unigram", 1500, True, rule="identity")
    train(os.path.join(tmp, "bpe"), corpus, "bpe", 1500, True)
    unibf = convert_generic(os.path.join(tmp, "unibf.model"), os.path.join(OUT, "unigram-bf"), bpe=False)
    bpe = convert_generic(os.path.join(tmp, "bpe.model"), os.path.join(OUT, "bpe"), bpe=True)

    cases = hard_cases()
    texts = [t for _, t in cases]
    rand = random_strings(2000, seed=20240601)
    rand_bpe = 1000  # BPE with byte fallback: only the first 1000 strings are recorded (fixture size).
    variants = {
        "unigram": (hf_fns(t5_loaded), "unigram", "tokenizer.json"),
        "unigram-spiece": (hf_fns(t5_from_spiece), "unigram", "spiece.model"),
        "unigram-json": (rust_fns(Tokenizer.from_file(os.path.join(uni_dir, "tokenizer.json"))), "unigram",
                         "tokenizer.json"),
        "unigram-old": (rust_fns(Tokenizer.from_file(os.path.join(uni_dir, "tokenizer.old.json"))), "unigram",
                        "tokenizer.old.json"),
        "unigram-bf": (rust_fns(unibf), "unigram-bf", "tokenizer.json"),
        "bpe": (rust_fns(bpe), "bpe", "tokenizer.json"),
    }
    out = {"versions": versions, "cases": [{"name": n, "text": t} for n, t in cases],
           "random_seed": 20240601, "random": rand, "variants": {}}
    for name, ((enc, dec), directory, file) in variants.items():
        out["variants"][name] = {
            "directory": directory, "file": file,
            "cases": record(enc, dec, texts, full=name == "unigram"),
            "random": (record(enc, dec, rand, full=False) if name == "unigram" else
                       record(enc, dec, rand[:rand_bpe], full=False) if name == "bpe" else []),
        }
    # The precompiled charsmap on its own: normalized forms of every case (SentencePiece's normalizer, HF's
    # Precompiled normalizer) so the charsmap port can be checked apart from the model.
    from tokenizers import normalizers
    with open(os.path.join(uni_dir, "tokenizer.json"), encoding="utf-8") as f:
        tj = json.load(f)
    pc = tj["normalizer"] if tj["normalizer"]["type"] == "Precompiled" else next(
        n for n in tj["normalizer"]["normalizers"] if n["type"] == "Precompiled")
    pnorm = normalizers.Precompiled(base64.b64decode(pc["precompiled_charsmap"]))
    out["precompiled"] = [pnorm.normalize_str(t) for t in texts + rand]
    with open(os.path.join(OUT, "cases.json"), "w", encoding="utf-8") as f:
        json.dump(out, f, ensure_ascii=False, separators=(",", ":"))
    shutil.rmtree(tmp)
    print("wrote", OUT, versions)


if __name__ == "__main__":
    sys.exit(main())
