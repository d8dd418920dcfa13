"""Spelling cues: letters and letter sequences that mark a language among its neighbours.

Spanish, Portuguese, Galician, Catalan and Italian share most of their
frequent words, and lid.176 mixes them up on short sentences.  Their
orthographies differ in ways no word list covers completely: ñ and ¿¡ are
Spanish or Galician, ã õ -ção and lh Portuguese, l·l, l'/d' elisions, -ig
and tx Catalan, a word-initial x- Galician or Catalan, -ou/-eu endings
anything but Spanish and Italian, clitics joined to a Galician verb
(apagouse, gústalle) or to a Spanish infinitive (hacerlo), and a few word
sequences only some of them write (gl/pt sobre a mesa, está a chover).
Each cue names the languages that write it, so a cue separates those from
the ones that don't and says nothing between two languages that both use
it -- the same set logic as the frequent-word lists of
``filters.function_words``.  A cue's weight is what
one match is worth in words: 2-3 for a spelling a neighbour never writes (ñ
against Portuguese, l·l against Spanish), 1-1.5 where loanwords and names
make rare exceptions (x between vowels: Galician axiña, Spanish máximo).

Patterns are RE2 (no look-around), matched case-sensitively on the raw
chunks: cues that a capitalised name could fake (Tom, Matt, Russell) only
count in words that start lowercase.  ``\\b`` is ASCII-only in RE2, so word
edges around accented letters are written with an explicit class of Latin
letters, not ``\\pL``: RE2 compiles a Unicode class on every call, which
would cost more than the matching.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

_LETTERS = "a-zA-ZÀ-ÖØ-öø-ſ"  # Latin letters, ASCII to Latin Extended-A
_L = f"[{_LETTERS}]"
_NL = f"[^{_LETTERS}]"
_LOWER = "[a-zß-öø-ÿ]"
_START = f"(?:^|{_NL})"  # start of a word
_END = f"(?:{_NL}|$)"  # end of a word
_LOWER_WORD = f"{_START}(?:{_LOWER}{_L}*)?"  # a word starting lowercase, up to the (lowercase) cue
_V = "aeiouáéíóúàèòâêôãõ"  # vowels, for cues that need one next to them
_SENTENCE = "(?:^|[.!?¿¡] )"  # start of a sentence: its capitalised first word is no name more often than not


@dataclass(frozen=True)
class Cue:
    """A pattern, the languages whose spelling has it, and what one match is worth in words."""

    pattern: str
    langs: frozenset[str]
    weight: float
    why: str


def _cue(pattern: str, langs: str, weight: float, why: str) -> Cue:
    return Cue(pattern, frozenset(langs.split()), weight, why)


CUES: tuple[Cue, ...] = (
    _cue("[ñÑ]", "es gl", 2, "pt writes nh, ca ny, it gn"),
    _cue("[¿¡]", "es gl", 2, "opening question and exclamation marks"),
    _cue("ciones" + _END, "es", 1.5, "plural -ciones; gl -cións, pt -ções, ca -cions, it -zioni"),
    _cue("ción" + _END, "es gl", 1.5, "pt -ção, ca -ció, it -zione"),
    _cue("cións" + _END, "gl", 2, "Galician plural of -ción"),
    _cue("dad" + _END, "es", 1, "-dad; pt/gl -dade, ca -tat, it -tà"),
    _cue("[ãõÃÕ]", "pt", 2, "nasal vowels: -ão, -ões, mãe"),
    _cue("[âêôÂÊÔ]", "pt", 1.5, "circumflex: você, três, avô"),
    _cue("[çÇ]", "pt ca", 1.5, "cedilla; es/gl write z or c"),
    _cue("l·l|L·L", "ca", 3, "Catalan geminate l"),
    _cue("[èòÈÒ]", "ca it", 1.5, "grave accents on e/o"),
    _cue("[ìùÌÙ]", "it", 1.5, "grave accents on i/u"),
    _cue("[àÀ]", "ca it pt", 1, "à: Catalan/Italian vowel, Portuguese crasis"),
    _cue("[ïÏ]", "ca", 1.5, "Catalan diaeresis: veïna, països"),
    _cue("[áÁ]", "es pt gl", 0.5, "acute a; ca and it write à"),
    _cue(_START + "[dlsmtnDLSMTN][’'][" + _V + "hH]", "ca it", 2, "elision: l'home, d'aigua, s'ha"),
    _cue(_L + "[’'](?:ls|ns|hi|ho|n|l)" + _END, "ca", 2, "Catalan clitics after a vowel: porta'ns, anar'hi"),
    _cue(_L + "[’'][smt]" + _END, "ca en", 1, "'s 'm 't: Catalan clitics and English contractions"),
    _cue("(?:n[’']t|" + _L + "[’'](?:ll|re|ve|d))" + _END, "en", 2, "English contractions"),
    _cue(_L + "-(?:ho|hi|li|lo|la|los|les|las|me|te|se|nos|vos|ne|lhe|lhes)" + _END, "ca pt", 2,
         "hyphenated clitics: fer-ho, dizer-lhe; es and gl join them"),
    _cue(_LOWER_WORD + "lh", "pt", 2, "lh: trabalho, filho, mulher"),
    _cue(_LOWER_WORD + "nh", "pt gl", 1, "nh: pt tenho, gl unha"),
    _cue(_LOWER_WORD + "ny(?:[" + _V + "]|" + _END + ")", "ca en", 1, "ca ny: any, senyor, Catalunya; en any, many"),
    _cue(_LOWER_WORD + "ss", "pt ca it en", 1.5, "ss: isso, passat, essere; es and gl write s"),
    _cue(_LOWER_WORD + "(?:tt|pp|ff|bb|dd|gg|zz|mm)", "it en", 1.5, "double consonants es/pt/gl/ca don't write"),
    _cue(_LOWER_WORD + "m" + _END, "pt ca en", 1, "words ending in -m: em, um, também; es/gl end in -n"),
    _cue(_LOWER_WORD + "t" + _END, "ca en", 1, "words ending in -t: molt, fet, tot"),
    _cue(_LOWER_WORD + "[oó]u" + _END, "pt gl ca en", 1.5, "-ou endings: falou, plou; es writes -ó; en you, thou"),
    _cue(_LOWER_WORD + "(?:[b-df-hj-np-tv-zç][ae]|[iéè])u" + _END, "pt gl ca", 1.5,
         "-eu/-iu/-au after a consonant: comeu, viu, meu, clau; es writes -ió, en only -eau/-ieu (bureau, lieu)"),
    _cue("(?:[eio]u(?:me|nos?|nas?|vos|lles?)|[ei]u(?:se|te)|" + _L + "{2}[^h]ouse)" + _END, "gl", 2,
         "gl preterite -ou/-eu/-iu with a joined clitic: apagouse, mordeume, colleuno (o becomes no after u); "
         "pt hyphenates; -ouse needs three letters before it and no h (en house, spouse, warehouse)"),
    _cue("(?:[áéíóú]" + _L + "*(?:a|ron)[oa]s?|(?:[áéíóú]" + _L + "*|[aeio]u|n)lles?)" + _END, "gl", 2,
         "gl clitics joined to a stressed verb: o/a after a vowel or -ron (cómprao, castigárono), lle/lles "
         "(gústalle, pedíronlle); es writes -lo/-le (cómpralo), es -lle words (calle) carry no accent"),
    _cue(_LOWER_WORD + "[aeiou]ig" + _END, "ca", 1.5, "Catalan -ig: vaig, mig, faig"),
    _cue(_LOWER_WORD + "(?:tx|tj|tz)", "ca", 2, "Catalan tx/tj/tz: cotxe, platja, dotze"),
    _cue(_LOWER_WORD + "ts" + _END, "ca en", 1, "plural -ts: tots, fets"),
    _cue(_LOWER_WORD + "c" + _END, "ca en", 1,
         "words ending in -c: ca 1st person tinc, puc, entenc and poc, amic; en music; es/gl/pt only loans (picnic)"),
    _cue(_START + "(?:" + _L + "{3,}aven|" + _L + "{2,}[c-df-hj-np-tv-z]ien)" + _END, "ca", 1.5,
         "Catalan imperfect -aven/-ien: estaven, tenien; es -aban/-ían; "
         "needs a stem so en raven/heaven, es bien/quien don't count"),
    _cue(_LOWER_WORD + "[bdgnptvu]ries" + _END, "ca en", 1.5,
         "-ries after a consonant: ca conditional voldries, podries (es -rías); en countries, entries"),
    _cue("[aeiéí]ches" + _END, "gl", 1.5, "Galician -ches: viches, fixeches; es -ste, -steis"),
    _cue("eir[oa]s?" + _END, "gl pt", 1.5, "-eiro/-eira: primeiro, carteira; es -ero/-era"),
    _cue("axes?" + _END, "gl", 1.5, "Galician -axe: viaxe, mensaxe; es -aje, pt -agem"),
    _cue("mol[oa]s?" + _END, "gl", 1.5, "Galician enclitic after -mos: pasámolo; es hagámoslo"),
    _cue("nx[" + _V + "]", "gl pt", 1.5, "nx: gl estranxeiro, laranxa; es extranjero, naranja"),
    _cue("(?:[iuíú]x[" + _V + "]|[aáoó]x[" + _V.replace("i", "").replace("í", "") + "]|[aá]x[ií][a-ln-rt-zñ])", "gl pt ca", 1.5,
         "x between vowels: gl axiña, dixo, hoxe; es writes j, save in learned words (próximo, máximo, óxido, "
         "oxígeno, taxi), which is why o-xi, -xim- and a final -xi(s) don't count"),
    _cue(_START + "[xX][" + _V + "]", "gl ca", 1.5, "word-initial x: gl xa, xente; ca xocolata"),
    _cue("[aeou]ix", "ca pt gl", 1, "-aix-/-eix-/-uix-: caixa, deixar, dibuixar; es caja, dejar"),
    _cue(_START + "(?:vaig|vas|va|vam|vau|van|Vaig|Va|Van) " + _LOWER + "+(?:ar|er|ir|re)" + _END, "ca", 2,
         "Catalan past tense va + infinitive (va morir); es says va a morir, pt/gl vai morrer"),
    _cue(_START + "[A-ZÁÉÍÓÚ]?" + _LOWER + "*j", "es pt ca en", 1,
         "j in a word, not as its capital (names: Jaime, Jiménez); Galician and Italian write none"),
    _cue(_LOWER_WORD + "[aeií]rl[oe]s?" + _END, "es it", 1.5,
         "infinitive + lo/le: hacerlo, decirle (it farlo); gl drops the r (facelo) or says lle, pt/ca hyphenate"),
    _cue("(?:^|[.!?] )(?:Por que |O " + _LOWER + ")|" + _START
         + "(?:(?:sobre|para|entre|desde|ata|contra|Sobre|Para|Entre|Desde|Ata) (?:o|os|a|as) "
         "|(?:estou|estás|está|estamos|estades|están|estaba|estabas|estaban|Estou|Estás|Está|Estamos|Estaba) "
         "a " + _LOWER + "+(?:ar|er|ir)" + _END + ")", "gl pt", 1.5,
         "gl/pt syntax: sentence-initial Por que (es Por qué/¿Por qué) and article O, articles o/a after a "
         "preposition (sobre a mesa; es sobre la), estar a + infinitive (está a chover; es está lloviendo)"),
    _cue(_START + "(?:ll|Ll|LL)[" + _V + "]" + _L, "es ca", 1.5, "word-initial ll: llegar, llibre; gl/pt ch- or l- (gl lle is a pronoun)"),
    _cue("(?:" + _LOWER_WORD + "[bcdfhjlmnprstvz]|" + _SENTENCE + "(?:[BCDFHJLMNPRSTVZ]|[A-ZÁÉÍÓÚ]" + _LOWER
         + "*[bcdfhjlmnprstvz]))ue", "es en", 1,
         "Spanish diphthong ue: puede, bueno, nuevo, also opening a sentence (Huele, Puedes); gl/pt pode, bo, novo"),
    _cue("(?:" + _LOWER_WORD + "[bdfhjlmnpstvz]|" + _SENTENCE + "(?:[BDFHJLMNPSTVZ]|[A-ZÁÉÍÓÚ]" + _LOWER
         + "*[bdfhjlmnpstvz]))ie[bcdfgjlmnprstvz]", "es it en", 1,
         "diphthong ie: tiene, siempre, nieve, also opening a sentence (Tienes, Siento); gl/pt ten, sempre, neve"),
    _cue(_START + "(?:" + _LOWER + _L + "*[a-tv-zß-öø-ÿ])?g[eiéí]", "es pt ca it en", 1.5,
         "g before e/i in a lowercase word, not in gue/gui: es gente, página, coger; Galician writes x (xente, páxina)"),
    _cue("[üÜ]", "es ca", 1.5, "diaeresis on u: vergüenza, qüestió"),
    _cue(_L + _L + "[bdfghjlmnprstvxyz]ó" + _END + "|" + _L + "[bdfghjlmnprtvxz]ió" + _END, "es ca", 1.5,
         "-ó/-ió: es preterite llegó, salió (pt/gl -ou/-iu); ca nouns milió, cotó"),
    _cue(_L + _L + "[bcdfghjlmnprstvz]é" + _END, "es ca", 1,
         "-é: es preterite pensé, future pensaré (pt/gl -ei); ca future pensaré"),
    _cue(_START + "[Nn]o (?:me|te|se|lo|la|le|les|los|las|nos|os|es|está|están|estoy|hay|he|ha|has|han|hemos|sé|sabe|"
         "puedo|puede|quiero|quiere|tengo|tiene|era|eres|soy|son|fue|va|voy|vas|creo|hace)" + _END, "es ca", 2,
         "no before a clitic or verb is the Spanish/Catalan negation; gl/pt no is 'in the' and negate with non/não"),
    _cue(_START + "[Nn]o " + _LOWER + "+(?:mos|is|as|es)" + _END, "es ca", 1.5,
         "no before a verb in -mos/-is/-as/-es (no podemos, no sabes); gl/pt no 'in the' precedes a singular noun"),
    _cue(_L + "áis" + _END, "es", 1.5, "Spanish 2nd person plural -áis: habláis, estáis"),
    _cue(_L + "éis" + _END, "es pt", 1, "-éis: es tenéis, pt papéis; gl -edes"),
    _cue(_LOWER_WORD + "d" + _END, "es ca en", 1, "words ending in -d: usted, verdad, salid; pt/gl -de, it -de/-to"),
    _cue(_LOWER_WORD + "y" + _END, "es en", 1.5, "words ending in -y: hoy, muy, ley; pt/gl/ca write -i"),
    _cue("[áéíóú]" + _L + "*[a-nprstv-zñ]l(?:[oa]s?|es?)" + _END, "es", 1,
         "enclitics after a stressed syllable: cuídalos, pruébalo, dímelo; gl cómprao, pt compre-o"),
    _cue(_L + "ei" + _END, "pt gl ca", 1.5, "-ei: pensei, comprei, llei; es writes -ey"),
    _cue(_L + _L + "(?:aste|iste)s?" + _END, "es pt", 1, "preterite -aste/-iste; gl -aches, ca -ares"),
    _cue(_START + "(?:qua|Qua)", "ca pt it en", 1, "qua-: quan, quatro, quando; es and gl write cua-/ca-"),
    _cue("zion[ei]", "it", 2, "Italian -zione"),
    _cue(_LOWER_WORD + "th|" + _START + "Th", "en", 1.5, "th"),
    _cue(_LOWER_WORD + "w", "en", 1, "w in a lowercase word"),
    _cue(_LOWER_WORD + "ing" + _END, "en", 1, "-ing"),
)


def cue_counts(chunks: list[str], owner: np.ndarray, n_docs: int, cues: tuple[Cue, ...] = CUES) -> np.ndarray:
    """Matches of each cue per document, weighted: float array [n_docs, n_cues].

    One RE2 pass over the chunks per cue (pyarrow, vectorized over the batch).
    """
    arr = pa.array(chunks, pa.large_string())
    out = np.zeros((n_docs, len(cues)))
    for j, cue in enumerate(cues):
        counts = pc.count_substring_regex(arr, cue.pattern).to_numpy(zero_copy_only=False)
        out[:, j] = np.bincount(owner, weights=counts, minlength=n_docs) * cue.weight
    return out


def margin(counts: np.ndarray, ours: str, theirs: str, cues: tuple[Cue, ...] = CUES) -> np.ndarray:
    """Per document: weighted cues ``ours`` writes and ``theirs`` doesn't, minus the reverse."""
    sign = np.array([(ours in c.langs) - (theirs in c.langs) for c in cues], dtype=np.float64)
    return counts @ sign
