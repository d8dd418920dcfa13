"""Short, hand-written word lists per language.

Two uses, two kinds of list:

* ``FUNCTION_WORDS``: the most frequent grammatical words of each target
  language.  Real prose always contains some; keyword spam, tables and menus
  don't (the quality rule ``function_words``).  Korean and Japanese attach
  particles to words and Chinese has no spaces, so for ko/ja/zh these are
  matched as substrings, for en/es as whole words.
* ``MARKERS``: frequent words that exist in one language but not in its close
  neighbours.  lid.176 cannot tell a ten-word Galician or Catalan sentence from
  Spanish; these words can (``filters.langid`` uses them only to arbitrate
  between a language and the confusables listed in its language-table row).
  A word is listed only if it is not an ordinary word of the neighbours, so
  e.g. Spanish "no", "con", "pero" and "es" are absent.
"""

from __future__ import annotations

FUNCTION_WORDS: dict[str, tuple[str, ...]] = {
    "en": ("the", "and", "of", "to", "a", "in", "is", "that", "it", "for", "was", "with", "on", "as", "be", "this", "are", "not", "have", "you"),
    "es": ("de", "la", "que", "el", "en", "y", "los", "se", "del", "las", "un", "por", "con", "no", "una", "su", "para", "es", "al", "lo"),
    "ko": ("은 ", "는 ", "이 ", "가 ", "을 ", "를 ", "의 ", "에 ", "에서", "으로", "하고", "있다", "했다", "하는", "합니다", "니다", "었다", "있는", "것이", "지만"),
    "zh": ("的", "了", "是", "在", "和", "有", "不", "这", "也", "就", "都", "我", "他", "们", "为", "與", "個", "這", "們", "為"),
    "ja": ("の", "は", "が", "を", "に", "で", "て", "た", "と", "も", "です", "ます", "する", "した", "いる", "ある", "から", "この", "こと", "れる"),
}

MARKERS: dict[str, tuple[str, ...]] = {
    "en": (
        "the", "and", "of", "to", "is", "that", "it", "was", "with", "have", "this", "are", "not", "what",
        "he", "she", "they", "we", "you", "my", "your", "his", "her", "their", "our", "do", "does", "did",
        "don't", "can't", "i'm", "it's", "will", "would", "can", "could", "should", "there", "here",
        "been", "has", "had", "were", "be", "from", "at", "by", "for", "on", "an", "or", "but", "if",
        "when", "where", "who", "why", "how", "all", "very", "too", "much", "many", "some", "any",
        "me", "him", "them", "us", "these", "those", "which", "than", "then", "now", "just", "about",
        "up", "out", "into", "over", "after", "before", "again", "never", "always", "please", "want",
        "know", "think", "like", "go", "going", "get", "got", "see", "come", "make", "take", "tell",
        "i", "as", "home", "so", "no", "yes", "one", "two", "time", "day", "man", "men", "woman",
    ),
    "es": (
        "y", "los", "las", "muy", "ellas", "ellos", "yo", "usted", "ustedes", "hay", "hoy", "eso", "esto",
        "mucho", "mucha", "muchos", "muchas", "tengo", "tiene", "tienes", "tienen", "quiero", "quiere",
        "puedo", "puede", "puedes", "hacer", "hace", "hizo", "dijo", "bien", "cuando", "donde", "dónde",
        "cómo", "qué", "él", "también", "estoy", "soy", "eres", "fue", "lo", "sin", "pues", "entonces",
        "ahora", "allí", "ya", "todavía", "nadie", "alguien", "siempre", "hasta", "mañana", "año", "años",
        "hombre", "mujer", "niño", "niños", "puerta", "tiempo", "tener", "hablar", "mismo", "ahí", "veces",
        "nuestro", "nuestra", "nuestros", "mis", "tus", "sus", "su", "más", "después", "luego", "bueno",
        "buena", "gracias", "ayer", "mejor", "cuál", "quién", "quien", "casi", "tenía", "voy", "hemos",
        "habla", "dinero", "trabajo", "nosotros", "vosotros", "cosas", "hijo", "hija", "perro", "agua",
        "noche", "ciudad", "nuevo", "nueva", "cuenta",
    ),
    "pt": (
        "não", "é", "uma", "umas", "você", "vocês", "muito", "muita", "muitos", "muitas", "também", "ele",
        "eles", "isso", "com", "em", "ao", "aos", "à", "às", "do", "dos", "nas", "na", "num", "numa",
        "mais", "tenho", "tem", "têm", "fazer", "ainda", "já", "quando", "então", "sim", "bem", "obrigado",
        "obrigada", "minha", "meus", "minhas", "seu", "sua", "seus", "suas", "nós", "vou", "vai", "foi",
        "são", "estão", "esse", "essa", "pelo", "pela", "pelos", "pelas", "ninguém", "até", "depois",
        "coisa", "há", "lhe", "nem", "ou", "as", "estava", "tinha", "eu", "ela", "elas", "onde", "agora",
        "sempre", "quero", "sei", "homem", "mulher", "hoje", "ontem",
    ),
    "gl": (
        "non", "unha", "unhas", "moi", "tamén", "xa", "iso", "isto", "cando", "onde", "teño", "facer",
        "aínda", "agora", "máis", "coa", "coas", "co", "cos", "polo", "pola", "polos", "polas", "nun",
        "nunha", "dun", "dunha", "lle", "lles", "vostede", "miña", "meu", "teu", "túa", "súa", "hai", "ben",
        "foi", "estou", "vou", "vai", "sen", "ata", "mañá", "dende", "despois", "eu", "ela", "nós", "vós",
        "é", "sei", "quere", "queres", "podo", "pode", "moito", "moita", "moitos", "xente", "cousa", "ano",
        "anos", "do", "na", "nas", "ao", "aos", "á", "ás", "as", "tes", "hoxe", "onte", "sempre", "quero",
        "home", "muller",
    ),
    "ca": (
        "amb", "els", "és", "són", "però", "perquè", "què", "molt", "molta", "molts", "moltes", "també",
        "aquest", "aquesta", "aquests", "aquestes", "això", "allò", "jo", "ell", "nosaltres", "vosaltres",
        "ells", "elles", "seva", "meu", "meva", "teu", "teva", "dels", "pels", "pel", "fins", "mai", "gens",
        "hi", "ho", "li", "em", "et", "ens", "us", "vaig", "anar", "fer", "tinc", "tenim", "tenen", "estic",
        "estem", "sóc", "ets", "som", "puc", "pot", "vull", "vol", "dir", "ara", "avui", "demà", "ahir",
        "bé", "on", "quan", "com", "només", "doncs", "encara", "cap", "tot", "tots", "tota", "totes",
        "gent", "home", "dona", "nen", "any", "anys", "nit", "ací", "sempre", "i", "hem", "heu", "uns",
        "unes",
    ),
    "it": (
        "il", "che", "non", "è", "sono", "gli", "della", "delle", "degli", "dello", "nel", "nella", "per",
        "questo", "questa", "quello", "molto", "anche", "più", "io", "lui", "lei", "noi", "voi", "loro",
        "ho", "hai", "abbiamo", "essere", "fare", "grazie", "perché", "dove", "chi", "ancora", "adesso",
        "oggi", "domani", "ieri", "tutto", "tutti", "niente", "nessuno", "qualcosa", "suo", "mio", "tuo",
        "tua", "sempre", "ci",
    ),
}

# Per target language: letters and letter pairs its spelling doesn't use but its neighbours do
# (for Spanish: ç, ã, õ, grave accents, circumflexes, Catalan l·l and ny): a strong cue
# that no word list covers completely.
FOREIGN_SPELLING = {"es": r"[çãõâêôàèòìùï]|l·l|ny\b|\b(?:[dlmnst]'|qu')\w|\w'(?:n|l|m|t|s|ls|ns|hi|ho)\b"}
