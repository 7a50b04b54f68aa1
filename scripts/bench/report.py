"""Compares the JSON lines of both engines (stdin): speed, ratio, WER, peak memory.

WER is measured where a reference exists (../shared/data/speech/README.md): jfk.wav, and the
English first half of multilingual.mp3 (its German half has no reference text). For each file,
`spans.json` (written by bench-speech.sh) lists (start, end, reference) spans; a segment counts for
a span when its midpoint lies inside it."""
import json
import re
import sys

JFK = ("And so my fellow Americans, ask not what your country can do for you, ask what you can do "
       "for your country.")
MIT_EN = ("Permission is hereby granted, free of charge, to any person obtaining a copy of this software "
          "and associated documentation files (the \"Software\"), to deal in the Software without "
          "restriction, including without limitation the rights to use, copy, modify, merge, publish, "
          "distribute, sublicense, and/or sell copies of the Software, and to permit persons to whom the "
          "Software is furnished to do so, subject to the following conditions: The above copyright "
          "notice and this permission notice shall be included in all copies or substantial portions of "
          "the Software.")
REFS = {"jfk": JFK, "mit_en": MIT_EN}


def words(text):
    text = text.lower().replace("/", " ")
    text = re.sub(r"[^\w\s']", " ", text)
    return text.split()


def edit_distance(a, b):
    prev = list(range(len(b) + 1))
    for i, x in enumerate(a, 1):
        cur = [i] + [0] * len(b)
        for j, y in enumerate(b, 1):
            cur[j] = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (x != y))
        prev = cur
    return prev[-1]


def wer(result, spans):
    errors = total = 0
    for start, end, ref_key in spans:
        hyp = " ".join(s["text"] for s in result["segments"] if start <= (s["start"] + s["end"]) / 2 < end)
        ref = words(REFS[ref_key])
        errors += edit_distance(ref, words(hyp))
        total += len(ref)
    return errors / total if total else float("nan")


def main():
    spans = json.load(open(sys.argv[1]))
    results = [json.loads(l) for l in sys.stdin if l.strip().startswith("{")]
    by_file = {}
    for r in results:
        by_file.setdefault(r["file"], []).append(r)
    print(f"{'file':<28} {'engine':<22} {'audio s':>8} {'time s':>8} {'x realtime':>10} {'RTF':>7} "
          f"{'WER':>7} {'peak MB':>8}")
    for f, rs in by_file.items():
        name = f.rsplit("/", 1)[-1]
        for r in rs:
            w = wer(r, spans.get(name, []))
            print(f"{name:<28} {r['engine']:<22} {r['audio_secs']:>8.1f} {r['secs']:>8.2f} "
                  f"{r['audio_secs'] / r['secs']:>10.1f} {r['secs'] / r['audio_secs']:>7.4f} "
                  f"{w * 100:>6.1f}% {r['peak_rss_kb'] / 1024:>8.0f}")
        ours = [r for r in rs if r["engine"] == "heimdex"]
        for base in (r for r in rs if r["engine"].startswith("faster-whisper")):
            if ours:
                print(f"{'':<28} speed-up vs {base['engine']}: {base['secs'] / ours[0]['secs']:.2f}x")
    print()
    print("where the time went (heimdex: windows encoded, decoder runs, fallbacks, seconds; faster-whisper:")
    print("windows that produced text, and those that needed the fallback):")
    for r in results:
        if "stats" in r:
            st = " ".join(f"{k}={v:.2f}" if isinstance(v, float) else f"{k}={v}" for k, v in r["stats"].items())
            print(f"  {r['file'].rsplit('/', 1)[-1]:<20} {r['engine']:<16} {st}")
    print()
    for r in results:
        if r["file"].endswith("jfk.wav"):
            print(f"{r['engine']}: {' '.join(s['text'] for s in r['segments'])}")


if __name__ == "__main__":
    main()
