"""Script profile of documents: which writing systems their letters are in.

Language ID models confuse Chinese and Japanese, and word-based rules are wrong
for scripts without spaces; the script profile is the cheap, exact signal both
corrections rest on.  Every code point of a batch is classified at once with
numpy (one ``searchsorted`` over a table of Unicode ranges), and counts per
document come from one ``bincount``, so there is no per-character Python.

Simplified vs Traditional Chinese is decided by counting characters that exist
in only one of the two standards (lists below: common characters whose
simplified form differs from the traditional one).  Shared characters say
nothing, so text without any such character is undecided.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

# Categories of a code point.  Letters are split by script; everything else is
# whitespace, digit or "symbol" (punctuation, symbols, emoji, marks).
SPACE, DIGIT, SYMBOL, LATIN, HANGUL, KANA, HAN, OTHER = range(8)
CATEGORY_NAMES = ("space", "digit", "symbol", "latin", "hangul", "kana", "han", "other")
LETTER_CATEGORIES = (LATIN, HANGUL, KANA, HAN, OTHER)

# (first code point, category) of every range; a range runs to the next start.
# Unlisted code points above U+0250 are letters of some other script.
_RANGES = (
    (0x00, SYMBOL), (0x09, SPACE), (0x0E, SYMBOL), (0x20, SPACE), (0x21, SYMBOL),
    (0x30, DIGIT), (0x3A, SYMBOL), (0x41, LATIN), (0x5B, SYMBOL), (0x61, LATIN),
    (0x7B, SYMBOL), (0x85, SPACE), (0x86, SYMBOL), (0xA0, SPACE), (0xA1, SYMBOL),
    (0xC0, LATIN), (0xD7, SYMBOL), (0xD8, LATIN), (0xF7, SYMBOL), (0xF8, LATIN),
    (0x2B0, SYMBOL), (0x370, OTHER),
    (0x1100, HANGUL), (0x1200, OTHER),
    (0x1680, SPACE), (0x1681, OTHER),
    (0x1E00, LATIN), (0x1F00, OTHER),
    (0x2000, SPACE), (0x200B, SYMBOL), (0x2028, SPACE), (0x202A, SYMBOL), (0x202F, SPACE),
    (0x2030, SYMBOL), (0x205F, SPACE), (0x2060, SYMBOL),
    (0x2C60, LATIN), (0x2C80, OTHER),
    (0x2E00, SYMBOL), (0x2E80, HAN), (0x2FE0, SYMBOL),
    (0x3000, SPACE), (0x3001, SYMBOL), (0x3005, HAN), (0x3006, SYMBOL), (0x3007, HAN),
    (0x3008, SYMBOL), (0x3021, HAN), (0x302A, SYMBOL),
    (0x3041, KANA), (0x30FB, SYMBOL), (0x30FC, KANA),
    (0x3100, OTHER), (0x3130, HANGUL), (0x3190, SYMBOL), (0x31F0, KANA),
    (0x3200, SYMBOL), (0x3400, HAN), (0x4DC0, SYMBOL), (0x4E00, HAN),
    (0xA000, OTHER), (0xA720, LATIN), (0xA800, OTHER), (0xA960, HANGUL), (0xA980, OTHER),
    (0xAC00, HANGUL), (0xD800, SYMBOL), (0xF900, HAN), (0xFB00, LATIN), (0xFB07, OTHER),
    (0xFE00, SYMBOL), (0xFE70, OTHER), (0xFEFF, SYMBOL),
    (0xFF10, DIGIT), (0xFF1A, SYMBOL), (0xFF21, LATIN), (0xFF3B, SYMBOL),
    (0xFF41, LATIN), (0xFF5B, SYMBOL), (0xFF66, KANA), (0xFFA0, HANGUL), (0xFFE0, SYMBOL),
    (0x10000, OTHER), (0x1F000, SYMBOL), (0x1FC00, OTHER), (0x20000, HAN), (0x32000, OTHER),
    (0xE0000, SYMBOL),
)
_STARTS = np.array([start for start, _ in _RANGES], dtype=np.uint32)
_CATS = np.array([cat for _, cat in _RANGES], dtype=np.int64)
N_CATEGORIES = len(CATEGORY_NAMES)

# Common characters whose Simplified and Traditional forms differ.  Each string
# holds pairs in the same order, so the lists stay easy to review side by side.
SIMPLIFIED_ONLY = (
    "这个们来时说国会为对发还过没么样经头见两员问间现长东边开关给听让进远运书车门"
    "马鸟鱼龙风飞爱学习观应该实际从众华语话认识议论讲读写买卖钱银铁钟错针饭馆饮饿"
    "岁气电脑网络线红绿级结统济农业产权机构组织总选举报纸杂欢谢请谁难题颜额须顺领"
    "导师围图场动劳务区医药卫环质历汉乐亚岛湾亿万与专丝严丧丰临丽义乌乔乡乱争亏亩"
    "亲仅仑仓仪价优伞伟传伤伦伪体佣侠侣侥侦侧侨侬俩俭债倾偿储儿兑党兰兴养兽冈册军"
    "冯冲决况冻净凉减凑凤凭凯击凿刍刘则刚创删别刬刭刹剀剂剐剑剥剧劝办励劲势勋匀匦"
    "协单卢卤却厅厉压厌厍厕厢厦厨县变叠叶号叹吓吕吗吨启吴呐呓呛呜咙咛咝响哑哒哓哔"
    "哕哗哙哜哝哟唛唝唠唡唢唤啧啬啭啮啸喷喽喾嗫嗳嘘嘤嘱噜嚣团园囵圆圣圹坏块坚坛坜"
    "坝坞坟坠垄垅垆垒垦垩垫垭垱垲垴埘埙埚埯堑堕墙壮声壳壶处备复够夹夺奋奖奥妆妇妈"
    "妩妪妫姗娄娅娆娇娈娱娲娴婳婴婵婶媪嫒嫔嫱嬷孙孪宁宝宠审宪宫宽宾寝寻寿将尔尘尝"
    "尧尴尽层屉届属屡屦屿岂岖岗岘岚岭峡峤峥峦崂崃崭嵘嵚"
)
TRADITIONAL_ONLY = (
    "這個們來時說國會為對發還過沒麼樣經頭見兩員問間現長東邊開關給聽讓進遠運書車門"
    "馬鳥魚龍風飛愛學習觀應該實際從眾華語話認識議論講讀寫買賣錢銀鐵鐘錯針飯館飲餓"
    "歲氣電腦網絡線紅綠級結統濟農業產權機構組織總選舉報紙雜歡謝請誰難題顏額須順領"
    "導師圍圖場動勞務區醫藥衛環質歷漢樂亞島灣億萬與專絲嚴喪豐臨麗義烏喬鄉亂爭虧畝"
    "親僅侖倉儀價優傘偉傳傷倫偽體傭俠侶僥偵側僑儂倆儉債傾償儲兒兌黨蘭興養獸岡冊軍"
    "馮衝決況凍淨涼減湊鳳憑凱擊鑿芻劉則剛創刪別剗剄剎剴劑剮劍剝劇勸辦勵勁勢勳勻匭"
    "協單盧鹵卻廳厲壓厭厙廁廂廈廚縣變疊葉號嘆嚇呂嗎噸啟吳吶囈嗆嗚嚨嚀噝響啞噠嘵嗶"
    "噦嘩噲嚌噥喲嘜嗊嘮啢嗩喚嘖嗇囀齧嘯噴嘍嚳囁噯噓嚶囑嚕囂團園圇圓聖壙壞塊堅壇壢"
    "壩塢墳墜壟壟壚壘墾堊墊埡壋塏堖塒塤堝垵塹墮牆壯聲殼壺處備復夠夾奪奮獎奧妝婦媽"
    "嫵嫗媯姍婁婭嬈嬌孌娛媧嫻嫿嬰嬋嬸媼嬡嬪嬙嬤孫孿寧寶寵審憲宮寬賓寢尋壽將爾塵嘗"
    "堯尷盡層屜屆屬屢屨嶼豈嶇崗峴嵐嶺峽嶠崢巒嶗崍嶄嶸嶔"
)


# Japanese shinjitai: kanji forms used neither in Simplified nor in Traditional
# Chinese.  They tell kanji-only Japanese (headings, "世界人権宣言") from Chinese.
JAPANESE_ONLY = (
    "権歳広駅験円売読続経関気変戦対発帰転様楽薬辺両仏払拝覚観県険剣検営栄単厳聴徳譲壊懐弾従縦恵渋獣"
    "脳悩嬢畳焼亜悪圧囲応桜価勧寛歓拠挙暁渓軽鶏撃倹圏顕鉱済砕剤雑惨賛歯児釈収粛処奨渉証乗剰触図"
    "粋酔穂摂専銭繊荘捜挿巣総騒増臓蔵帯滝択沢遅昼鋳庁逓伝稲闘弐廃髪抜晩浜塀弁舗毎満黙訳揺謡頼"
    "覧竜猟塁涙暦労録歩黒説鋭"
)


def _code_table() -> np.ndarray:
    """One byte per code point: ``category * 4 + variant``, so a batch needs one gather.

    Variants: 1 Simplified-only, 2 Traditional-only, 3 Japanese-only, else 0.
    Characters whose simplified form is also a traditional word (后, 于, 范, 志,
    ...) are deliberately left out of the lists.
    """
    every = np.arange(0x110000, dtype=np.uint32)
    table = (_CATS[np.searchsorted(_STARTS, every, side="right") - 1] * 4).astype(np.uint8)
    for variant, chars in ((1, SIMPLIFIED_ONLY), (2, TRADITIONAL_ONLY), (3, JAPANESE_ONLY)):
        table[[ord(c) for c in chars]] += variant
    return table


_TABLE = _code_table()


@dataclass(frozen=True)
class ScriptProfile:
    """Per-document counts for a batch (arrays aligned with the input rows).

    ``counts[i, c]`` is the number of code points of category ``c`` in document
    ``i``; ``simplified``/``traditional`` count the variant-only characters.
    """

    counts: np.ndarray
    simplified: np.ndarray
    traditional: np.ndarray
    japanese: np.ndarray

    @property
    def n_chars(self) -> np.ndarray:
        return self.counts.sum(axis=1)

    @property
    def n_letters(self) -> np.ndarray:
        return self.counts[:, list(LETTER_CATEGORIES)].sum(axis=1)

    def share(self, category: int) -> np.ndarray:
        """Share of ``category`` among letters (0 where a document has none)."""
        letters = self.n_letters
        return np.divide(self.counts[:, category], letters, out=np.zeros(len(letters)), where=letters > 0)

    def char_share(self, category: int) -> np.ndarray:
        """Share of ``category`` among all code points (0 for empty documents)."""
        total = self.n_chars
        return np.divide(self.counts[:, category], total, out=np.zeros(len(total)), where=total > 0)

    def kana_ratio(self) -> np.ndarray:
        """Kana among CJK letters: >= 0.27 for 99% of Japanese, 0 for almost all Chinese."""
        cjk = self.counts[:, KANA] + self.counts[:, HAN]
        return np.divide(self.counts[:, KANA], cjk, out=np.zeros(len(cjk)), where=cjk > 0)

    def script(self, min_share: float = 0.5, min_kana: float = 0.15) -> np.ndarray:
        """ISO 15924 code of each document's writing system.

        CJK text with ``min_kana`` of its letters in kana is Japanese (``Jpan``):
        Japanese prose stays above it (jsquad: 99.9% above 0.13), while Chinese
        that quotes a Japanese title stays below.  So is kanji-only text with
        more Japanese-only kanji than Chinese-only characters.  Han otherwise is
        ``Hans``/``Hant`` when the variant characters decide it and ``Hani``
        when they don't.  ``Zyyy`` marks documents without letters (digits,
        emoji, URLs' punctuation).
        """
        n = len(self.counts)
        letters = self.n_letters
        hangul, kana, han, latin = (self.share(c) for c in (HANGUL, KANA, HAN, LATIN))
        chinese = np.where(
            self.simplified > self.traditional, "Hans", np.where(self.traditional > self.simplified, "Hant", "Hani")
        )
        cjk = kana + han
        out = np.full(n, "Zzzz", dtype=object)
        out[letters == 0] = "Zyyy"
        out[latin >= min_share] = "Latn"
        is_cjk = (cjk >= min_share) & (hangul < min_share)
        has_kana = self.kana_ratio() >= min_kana
        has_kana |= self.japanese > np.maximum(self.simplified, self.traditional)
        out[is_cjk & has_kana] = "Jpan"
        out[is_cjk & ~has_kana] = chinese[is_cjk & ~has_kana]
        # Chinese and Japanese never use Hangul: a fair share of it is Korean, hanja or not.
        out[(hangul >= 0.3) & (hangul + cjk >= min_share)] = "Hang"
        return out


URL = r"(?:https?://|www\.)\S+"


def without_urls(texts) -> list[str]:
    """Texts with URLs blanked: their Latin letters say nothing about the language.

    The regex runs only on texts a plain substring search flags (most have no URL).
    """
    texts = as_list(texts)
    arr = pa.array(texts, pa.large_string())
    flagged = pc.or_(pc.match_substring(arr, "://"), pc.match_substring(arr, "www.", ignore_case=True))
    rows = np.flatnonzero(flagged.to_numpy(zero_copy_only=False))
    if len(rows):
        blanked = pc.replace_substring_regex(arr.take(pa.array(rows)), URL, " ").to_pylist()
        for row, text in zip(rows, blanked):
            texts[row] = text
    return texts


def as_list(texts) -> list[str]:
    """Texts of a batch as Python strings; nulls become empty strings."""
    if isinstance(texts, (pa.Array, pa.ChunkedArray)):
        texts = pc.fill_null(texts, "").to_pylist()
    return ["" if t is None else t for t in texts]


def code_points(texts: list[str], owner: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Every code point of the batch back to back, and the document of each
    (``owner[i]`` for text ``i`` when texts are pieces of documents)."""
    lengths = np.fromiter(map(len, texts), dtype=np.int64, count=len(texts))
    codes = np.frombuffer("".join(texts).encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
    return codes, np.repeat(np.arange(len(texts), dtype=np.int64) if owner is None else owner, lengths)


def categories(codes: np.ndarray) -> np.ndarray:
    """Category (SPACE ... OTHER) of each code point."""
    return _TABLE[codes] >> 2


def profile(texts, owner: np.ndarray | None = None, n_docs: int | None = None) -> ScriptProfile:
    """Script profile of a batch of texts (list of str or Arrow string array).

    With ``owner``, the texts are pieces of ``n_docs`` documents (``owner[i]``
    is text i's), and each document's counts are those of its pieces.
    """
    texts = as_list(texts)
    n = len(texts) if owner is None else n_docs
    codes, doc = code_points(texts, owner)
    joint = np.bincount(doc * 32 + _TABLE[codes], minlength=n * 32).reshape(n, 8, 4)
    han = joint[:, HAN, :]
    return ScriptProfile(counts=joint.sum(axis=2), simplified=han[:, 1], traditional=han[:, 2], japanese=han[:, 3])


def profile_columns(prof: ScriptProfile) -> dict[str, pa.Array]:
    """The profile as Arrow columns a stage adds (shares among letters)."""
    cols = {f"script_{CATEGORY_NAMES[c]}": pa.array(prof.share(c), pa.float32()) for c in (HANGUL, KANA, HAN, LATIN)}
    cols["script_other"] = pa.array(prof.share(OTHER), pa.float32())
    return cols
