#!/usr/bin/env python3
"""Writes labels.json for the EfficientNet-Lite0 ImageNet-1k tagger.

Usage: make_labels.py IMAGENET_CLASSES_JS OUT_JSON [WORDNET_DIR]
  IMAGENET_CLASSES_JS  dist/imagenet_classes.js of npm @tensorflow-models/mobilenet 2.1.1
  WORDNET_DIR          WordNet 3.0 data files (Debian wordnet-base: /usr/share/wordnet); when
                       missing, labels are written without wnids or hypernyms (with a warning).

labels.json is an array of 1000 objects in class order:
  {"id", "wnid", "name" (readable primary name), "names" (all), "hypernyms" (nearest first)}

The class file has names but no wnids. ImageNet-1k's classes are WordNet 3.0 noun synsets in
ascending offset order, so each class is mapped to a synset that holds its names, choosing among
the candidates (dynamic programming) so that offsets strictly increase with the class index and
each synset's lemmas are as close as possible to the class's names; the 41 classes still tied
after that are pinned (TIES). Hypernyms: all `@`/`@i` ancestors, breadth-first, nearest first,
minus general or technical ones (MIN_DEPTH, STOP). Standard library only.
"""
import json
import os
import re
import sys
from collections import deque

# Hypernyms that make poor search tags (first lemma, underscores as spaces): too general or
# abstract, or zoological/botanical terms nobody types. Besides these, every synset fewer than
# MIN_DEPTH hypernym steps below `entity` is dropped, except those in KEEP.
MIN_DEPTH = 4
STOP = set("""
entity|physical entity|abstraction|thing|object|whole|unit|part|piece|relation|group|matter|
substance|material|solid|fluid|liquid|causal agent|living thing|organism|natural object|
artifact|instrumentality|device|instrument|implement|mechanism|mechanical device|equipment|
structure|container|supporting structure|framework|construction|system|covering|
protective covering|sheet|blind|screen|top|housing|shelter|support|stick|barrier|obstruction|
restraint|decoration|memorial|conveyance|craft|wheeled vehicle|self-propelled vehicle|
heavier-than-air craft|lighter-than-air craft|digital computer|chordophone|commodity|
consumer goods|durables|white goods|article|ware|product|creation|establishment|
place of business|mercantile establishment|area|region|location|surface|point|fabric|
piece of cloth|source of illumination|nutriment|foodstuff|food product|ingredient|flavorer|
course|drug|drug of abuse|game|reproductive structure|plant organ|plant part|natural elevation|
geological formation|formation|body|shape|chordate|vertebrate|craniate|aquatic vertebrate|
invertebrate|arthropod|arachnid|placental|eutherian mammal|metatherian|diapsid|anapsid|saurian|
chelonian|archosaur|ornithischian|cypriniform fish|colubrid snake|elapid|iguanid|agamid|
teleost fish|bony fish|soft-finned fish|spiny-finned fish|percoid fish|scombroid|cyprinid|
ganoid|cartilaginous fish|elasmobranch|salientian|caudate|passerine|oscine|gallinaceous bird|
phasianid|anseriform bird|coraciiform bird|piciform bird|apodiform bird|cuculiform bird|
pelecaniform seabird|sphenisciform seabird|procellariiform seabird|ungulate|even-toed ungulate|
odd-toed ungulate|ruminant|bovid|proboscidean|pachyderm|anthropoid ape|anthropoid|prosimian|
procyonid|viverrine|musteline mammal|canid|felid|cetacean|pinniped mammal|edentate|
gnawing mammal|leporid|lagomorph|monotreme|young mammal|lepidopterous insect|
hymenopterous insect|dipterous insect|orthopterous insect|hemipterous insect|
dictyopterous insect|neuropteron|odonate|coleopteran|scarabaeid beetle|lamellicorn beetle|
gastropod|decapod crustacean|coelenterate|anthozoan|echinoderm|angiosperm|spermatophyte|
vascular plant|woody plant|herbaceous plant|basidiomycete|Sennenhunde|acarine|ambystomid|
anguid lizard|lacertid lizard|teiid lizard|homopterous insect|malacostracan crustacean|
plectognath|scorpaenid|scorpaenoid|salmonid|prototherian|danaid|nymphalid|pierid|phasmid|
phalanger|corvine bird|pelagic bird|ceratopsian|pome|oilseed|starches|cruciferous vegetable|
solanaceous vegetable|beating-reed instrument|double-reed instrument|single-reed instrument|
free-reed instrument|bowed stringed instrument|electro-acoustic transducer|transducer|
strengthener|structural member|upright|post|brace|lever|rod|globule|round shape|circle|sphere|
medium|work|associate|participant|peer|concoction|fare|rig|attachment|connection|design|
reproducer|duplicator|winder|measure|horizontal surface|drygoods|kernel|emblem|
rotating mechanism|movable barrier|signaling device|visual signal|geographic point|
natural depression|converging lens|electrical device|optical device|autoloader|analog computer|
textile machine|contestant|explorer|canine
""".replace("\n", "").split("|"))
KEEP = {"person"}  # `person` sits only 3 steps below `entity`

# 41 classes stay tied after the ordering and name rules: several synsets with the very same
# lemmas fit between the neighbours' offsets (bow the weapon or the ribbon, monitor the screen or
# the warship, ...). These are ImageNet's published wnids for them; each must still be a
# candidate that fits the order, which map_classes checks.
TIES = {
    102: "n01872401", 398: "n02666196", 411: "n02730930", 417: "n02782093", 431: "n02804414",
    438: "n02815834", 443: "n02834397", 456: "n02879718", 471: "n02950826", 488: "n02999410",
    501: "n03045698", 544: "n03259280", 549: "n03291819", 586: "n03478589", 587: "n03481172",
    594: "n03495258", 597: "n03527444", 624: "n03661043", 643: "n03724870", 664: "n03782006",
    698: "n03877845", 718: "n03933933", 727: "n03956157", 733: "n03976657", 745: "n04009552",
    753: "n04040759", 758: "n04067472", 766: "n04111531", 771: "n04125021", 780: "n04147183",
    783: "n04153751", 792: "n04208210", 813: "n04270147", 815: "n04275548", 816: "n04277352",
    830: "n04336792", 866: "n04465501", 902: "n04579432", 910: "n04597913", 982: "n10148035",
    987: "n12144580",
}


def parse_classes(js_path):
    """{index: 'name1, name2'} from the mobilenet module's JS object literal."""
    text = open(js_path, encoding="utf-8").read()
    body = text[text.index("IMAGENET_CLASSES = {") :]
    body = body[: body.index("};")]
    entry = re.compile(r"(\d+)\s*:\s*((?:'(?:[^'\\]|\\.)*'\s*\+?\s*)+)")
    literal = re.compile(r"'((?:[^'\\]|\\.)*)'")
    classes = {}
    for m in entry.finditer(body):
        value = "".join(re.sub(r"\\(.)", r"\1", s) for s in literal.findall(m.group(2)))
        classes[int(m.group(1))] = [n.strip() for n in value.split(",") if n.strip()]
    if sorted(classes) != list(range(1000)):
        raise ValueError(f"expected classes 0..999, found {len(classes)}")
    return [classes[i] for i in range(1000)]


def lemma_key(name):
    """Case, spaces, underscores, hyphens, apostrophes and dots ignored ("jelly fish")."""
    return re.sub(r"[\s_\-'.]", "", name.lower())


def load_wordnet(wn_dir):
    """Noun synsets {offset: (lemmas, hypernym offsets)} and the index
    {lemma_key: [offsets, most frequent sense first]}."""
    synsets = {}
    with open(os.path.join(wn_dir, "data.noun"), encoding="latin-1") as f:
        for line in f:
            if line.startswith("  "):
                continue  # licence header
            fields = line.split("|", 1)[0].split()
            offset, n_words = int(fields[0]), int(fields[3], 16)
            words = [fields[4 + 2 * i] for i in range(n_words)]
            pos = 4 + 2 * n_words
            n_ptrs = int(fields[pos])
            hypers = []
            for i in range(n_ptrs):
                sym, target, tpos = fields[pos + 1 + 4 * i : pos + 4 + 4 * i]
                if sym in ("@", "@i") and tpos == "n":
                    hypers.append(int(target))
            synsets[offset] = (words, hypers)
    index = {}
    with open(os.path.join(wn_dir, "index.noun"), encoding="latin-1") as f:
        for line in f:
            if line.startswith("  "):
                continue
            fields = line.split()
            lemma, synset_cnt = fields[0], int(fields[2])
            senses = index.setdefault(lemma_key(lemma), [])
            senses.extend(int(o) for o in fields[-synset_cnt:] if int(o) not in senses)
    return synsets, index


def map_classes(classes, synsets, index):
    """Picks one synset per class so that offsets strictly increase with the class index.

    The class names are ImageNet's synset lemmas, so a candidate scores (pinned by TIES, class
    names in the synset, -synset lemmas not among the class names, -sense rank): the closest
    lemma set first, then the more common sense (index.noun lists a lemma's tagged senses most
    frequent first). The best total over all classes wins (dynamic programming)."""
    cands = []
    for i, names in enumerate(classes):
        keys = {lemma_key(n) for n in names}
        rank = {}
        for k in keys:
            for r, o in enumerate(index.get(k, ())):
                rank[o] = min(rank.get(o, r), r)
        scored = []
        for o in sorted(rank):
            lemmas = {lemma_key(w) for w in synsets[o][0]}
            pinned = int(TIES.get(i) == f"n{o:08d}")
            scored.append((o, (pinned, len(keys & lemmas), -len(lemmas - keys), -rank[o])))
        if not scored:
            raise ValueError(f"no WordNet synset holds any of {names}")
        cands.append(scored)

    def add(a, b):
        return tuple(x + y for x, y in zip(a, b))

    # best[i][j]: (best total score, predecessor candidate) for class i taking candidate j.
    best = [[(s, None) for _, s in cands[0]]]
    for i in range(1, len(cands)):
        row = []
        for o, s in cands[i]:
            prev = [(best[i - 1][k][0], -k) for k, (po, _) in enumerate(cands[i - 1])
                    if po < o and best[i - 1][k][0] is not None]
            if prev:
                total, k = max(prev)
                row.append((add(total, s), -k))
            else:
                row.append((None, None))
        best.append(row)
    last = [(t, -j) for j, (t, _) in enumerate(best[-1]) if t is not None]
    if not last:
        raise ValueError("no increasing assignment of synsets to classes")
    j = -max(last)[1]
    chosen = [0] * len(classes)
    for i in range(len(classes) - 1, -1, -1):
        chosen[i] = cands[i][j][0]
        j = best[i][j][1]
    for i, wnid in TIES.items():
        if f"n{chosen[i]:08d}" != wnid:
            raise ValueError(f"class {i}: {wnid} is not a candidate that fits the order")
    singles = sum(len(c) == 1 for c in cands)
    return chosen, singles


def depths(synsets):
    """Shortest number of hypernym steps from each synset up to the root `entity`."""
    memo = {}

    def depth(o):
        if o not in memo:
            memo[o] = 10**6  # guards against cycles
            hypers = synsets[o][1]
            memo[o] = 0 if not hypers else 1 + min(depth(h) for h in hypers)
        return memo[o]

    sys.setrecursionlimit(10000)
    return {o: depth(o) for o in synsets}


def hypernyms(offset, synsets, depth):
    """First lemmas of all hypernyms, breadth-first and nearest first, minus the general ones."""
    out, seen, queue = [], {offset}, deque(synsets[offset][1])
    while queue:
        o = queue.popleft()
        if o in seen:
            continue
        seen.add(o)
        queue.extend(synsets[o][1])
        name = synsets[o][0][0].replace("_", " ")
        if name in KEEP or (depth[o] >= MIN_DEPTH and name not in STOP):
            if name not in out:
                out.append(name)
    return out


SCIENTIFIC = re.compile(r"^[A-Z][a-z]+( [a-z]+)+$")  # "Tinca tinca", "Felis catus"


def primary_name(names, n_senses):
    """The first common name, unless it is one ambiguous word (more than one WordNet noun
    sense: "tabby", "crane") and a longer name holds it ("tabby cat"). Scientific names last."""
    common = [n for n in names if not SCIENTIFIC.match(n)] or names
    first = common[0]
    if " " not in first and n_senses(first) > 1:
        for n in common[1:]:
            if len(n.split()) > 1 and first.lower() in n.lower().split():
                return n
    return first


def main():
    if len(sys.argv) not in (3, 4):
        sys.exit(__doc__)
    classes = parse_classes(sys.argv[1])
    wn_dir = sys.argv[3] if len(sys.argv) == 4 else "/usr/share/wordnet"
    have_wordnet = os.path.exists(os.path.join(wn_dir, "data.noun"))
    synsets, index = load_wordnet(wn_dir) if have_wordnet else ({}, {})
    n_senses = (lambda w: len(index.get(lemma_key(w), ()))) if have_wordnet else (lambda w: 2)
    labels = [{"id": i, "wnid": None, "name": primary_name(n, n_senses), "names": n,
               "hypernyms": []} for i, n in enumerate(classes)]
    if have_wordnet:
        chosen, singles = map_classes(classes, synsets, index)
        depth = depths(synsets)
        for label, offset in zip(labels, chosen):
            label["wnid"] = f"n{offset:08d}"
            label["hypernyms"] = hypernyms(offset, synsets, depth)
        print(f"make_labels: {singles} of 1000 classes had exactly one candidate synset, "
              f"{1000 - singles - len(TIES)} were settled by the order and names, "
              f"{len(TIES)} by the TIES table", file=sys.stderr)
    else:
        print("make_labels: WARNING: no WordNet data in " + wn_dir +
              ": labels.json gets NO wnids and NO hypernyms", file=sys.stderr)
    # Disambiguate classes whose primary names collide ("crane" the bird and the machine).
    seen = {}
    for label in labels:
        seen.setdefault(label["name"].lower(), []).append(label)
    for same in seen.values():
        if len(same) > 1:
            for label in same:
                hint = label["hypernyms"][0] if label["hypernyms"] else str(label["id"])
                label["name"] = f"{label['name']} ({hint})"
    tmp = sys.argv[2] + ".tmp"
    with open(tmp, "w", encoding="utf-8") as f:  # one class a line
        f.write("[\n" + ",\n".join(json.dumps(l, ensure_ascii=False) for l in labels) + "\n]\n")
    os.replace(tmp, sys.argv[2])


if __name__ == "__main__":
    main()
