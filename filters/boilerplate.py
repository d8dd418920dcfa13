"""Boilerplate lines in the five languages: cookie notices, legal footers, navigation.

Matched per line (case-insensitive, RE2 syntax so ``pyarrow.compute`` runs it
vectorized) and only on short lines: a paragraph that mentions a privacy
policy is prose, a 20-character line saying "Privacy Policy" is a menu item.
"""

from __future__ import annotations

PATTERNS: dict[str, tuple[str, ...]] = {
    "en": (
        r"cookies?\b.*\b(polic|settings|consent|accept|use)", r"\bwe use cookies", r"all rights reserved",
        r"privacy policy", r"terms (of use|of service|and conditions)", r"skip to (main )?content",
        r"^(sign in|log in|login|sign up|register|log out)\b", r"subscribe to (our )?newsletter",
        r"back to top", r"^copyright\b", r"^powered by", r"^read more", r"share (this )?on (facebook|twitter|x)\b",
        r"^click here", r"^(home|about( us)?|contact( us)?|menu|search)$",
    ),
    "es": (
        r"(utilizamos|usamos|este sitio (web )?utiliza) cookies", r"política de (privacidad|cookies)",
        r"aviso legal", r"todos los derechos reservados", r"^(iniciar sesión|regístrate|registrarse|acceder)\b",
        r"suscríbete", r"^leer más", r"volver arriba", r"aceptar (todas las )?cookies", r"términos y condiciones",
        r"^(inicio|contacto|quiénes somos|buscar)$",
    ),
    "ko": (
        r"쿠키", r"개인정보\s*(처리|취급)\s*방침", r"이용\s*약관", r"무단\s*(전재|복제|배포)", r"재배포\s*금지",
        r"^(로그인|회원가입|로그아웃)", r"저작권자", r"본문\s*바로가기", r"바로가기$", r"^(홈|메뉴|검색)$",
    ),
    "zh": (
        r"cookie", r"隐私政策|隱私政策|隐私条款|隱私條款", r"版权所有|版權所有|保留所有权利|保留所有權利",
        r"^(登录|登入|注册|註冊|登錄)", r"返回顶部|回到顶部|返回頂部", r"用户协议|用戶協議|使用条款|使用條款",
        r"免责声明|免責聲明", r"^(上一篇|下一篇)", r"点击这里|點擊這裡", r"^(首页|首頁|联系我们|聯繫我們)$",
    ),
    "ja": (
        r"クッキー|cookie", r"プライバシーポリシー|個人情報保護方針", r"利用規約", r"無断(転載|複製)",
        r"^(ログイン|新規登録|会員登録|ログアウト)", r"ページ(の)?(先頭|トップ)へ|トップへ戻る",
        r"^(ホーム|お問い合わせ|サイトマップ)$",
    ),
}

# Menus: three or more short items separated by | or · or >, on one line.
NAVIGATION = r"^([^|·>»]{1,25}[|·>»]\s*){2,}[^|·>»]{1,25}$"

PATTERN = "|".join(f"(?:{p})" for p in (*(p for ps in PATTERNS.values() for p in ps), NAVIGATION))
