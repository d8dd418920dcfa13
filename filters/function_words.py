"""Short, hand-written word lists per language.

Two uses, two kinds of list:

* ``FUNCTION_WORDS``: the most frequent grammatical words of each target
  language.  Real prose always contains some; keyword spam, tables and menus
  don't (the quality rule ``function_words``).  Korean and Japanese attach
  particles to words and Chinese has no spaces, so for ko/ja/zh these are
  matched as substrings, for en/es as whole words.
* ``COMMON_WORDS``: the ~200 most frequent words of a Latin-script target and
  of its close neighbours.  lid.176 cannot tell a ten-word Galician or
  Catalan sentence from Spanish; their frequent words can.  ``filters.langid``
  compares two languages by the words frequent in one and absent from the
  other's list (set differences, so shared words like "de" or "no" weigh
  nothing), which is why each list should hold a language's frequent words
  whether or not a neighbour shares them.
"""

from __future__ import annotations

FUNCTION_WORDS: dict[str, tuple[str, ...]] = {
    "en": ("the", "and", "of", "to", "a", "in", "is", "that", "it", "for", "was", "with", "on", "as", "be", "this", "are", "not", "have", "you"),
    "es": ("de", "la", "que", "el", "en", "y", "los", "se", "del", "las", "un", "por", "con", "no", "una", "su", "para", "es", "al", "lo"),
    "ko": ("은 ", "는 ", "이 ", "가 ", "을 ", "를 ", "의 ", "에 ", "에서", "으로", "하고", "있다", "했다", "하는", "합니다", "니다", "었다", "있는", "것이", "지만"),
    "zh": ("的", "了", "是", "在", "和", "有", "不", "这", "也", "就", "都", "我", "他", "们", "为", "與", "個", "這", "們", "為"),
    "ja": ("の", "は", "が", "を", "に", "で", "て", "た", "と", "も", "です", "ます", "する", "した", "いる", "ある", "から", "この", "こと", "れる"),
}

COMMON_WORDS: dict[str, frozenset[str]] = {
    lang: frozenset(words.split())
    for lang, words in {
        "en": """
            the of and to a in is it you that he was for on are with as i his they be at one have this
            from or had by not but what some we can out other were all there when up use your how said
            an each she which do their time if will way about many then them would like so these her
            make see him two has look more day could go come did no most my over know than who may down
            been now any new work take get made where after back little only man year came every good
            me give our under very through just much great think say before same right old too does
            tell three want well also here must why men went need house try us again mother world father
            should never last between still since while don't i'm it's can't didn't isn't doesn't
            won't let always those both until once yes am because something nothing everyone anything
            today tomorrow yesterday please thank thanks sorry really already ever always going got
        """,
        "es": """
            de la que el en y a los se del las un por con no una su para es al lo como más o pero sus le
            ha me si sin sobre este ya entre cuando todo esta ser son dos también fue había era muy
            años hasta desde está mi porque qué solo sólo han yo hay vez puede todos así nos ni parte
            tiene él uno donde bien tiempo mismo ese ahora cada e vida otro después te otros aunque esa
            eso hace otra tan durante siempre día tanto ella tres sí dijo sido gran país según menos año
            antes estado contra sino forma caso nada hacer estaba poco estos mayor ante unos les algo
            hacia casa ellos hecho mucho mientras además quien momento esto hombre están pues hoy lugar
            trabajo otras mejor nuevo decir algunos entonces todas días debe cómo casi toda tal luego
            primer medio va estas sea tenía nunca poder aquí ver veces embargo pueden tienen misma nueva
            cual fueron mujer cosas fin ciudad he manera tener muchos dentro nuestro dice ello cualquier
            noche aún agua parece haber fuera bajo grandes nuestra usted ustedes hizo nadie tarde mí tu
            tú allí eran estar gente padre madre mis quiero tengo puedo voy estoy soy eres vamos tienes
            quieres sabe sé creo ayer mañana hablar dónde cuándo quién niño niños perro libro gracias
            bueno buena hola os vosotros nosotros ellas
            dar grande ir mundo saber será somos vos fui da estamos ten ti venir van vas cosa come di
        """,
        "pt": """
            de a o que e do da em um para é com não uma os no se na por mais as dos como mas foi ao ele
            das tem à seu sua ou ser quando muito há nos já está eu também só pelo pela até isso ela
            entre era depois sem mesmo aos ter seus quem nas me esse eles estão você tinha foram essa num
            nem suas meu às minha têm numa pelos elas havia seja qual será nós tenho lhe deles essas
            esses pelas este fosse dele tu te vocês vos lhes meus minhas teu tua nosso nossa dela delas
            esta estes estas aquele aquela isto aquilo estou estamos estava sou somos são fui vai vou
            vamos pode posso quero sei onde agora aqui ali hoje ontem amanhã sempre nunca nada tudo todos
            todas bem bom boa coisa casa dia tempo ano anos vez vezes homem mulher obrigado obrigada sim
            então ainda porque muita muitos muitas outro outra outros outras pouco grande fazer dizer ver
            ir vir dar ficar saber gosto gosta cão livro água noite cidade mundo
            ante antes cada caso contra desde durante forma gente lugar menos momento parte parece país sobre tal tanto toda todo tarde vida estado estar grandes poder sido
        """,
        "gl": """
            de a o que e do da en un para é con non unha os no se na por máis as dos como pero foi ao el
            das ten á seu súa ou ser cando moi hai nos xa está eu tamén só polo pola ata iso ela entre
            era despois sen mesmo aos ter seus quen nas me ese eles están vostede tiña foron esa nun nin
            súas meu ás miña teñen nunha polos elas había sexa cal será nós teño lle deles esas eses
            polas este fose del ti te vós lles meus miñas teu túa nosa noso dela delas esta estes estas
            aquel aquela isto aquilo estou estamos estaba son somos fun vai vou imos pode podo quero sei
            onde agora aquí alí hoxe onte mañá sempre nunca nada todo todos todas ben bo boa cousa casa
            día tempo ano anos vez veces home muller grazas si entón aínda porque moito moita moitos
            moitas outro outra outros outras pouco grande facer dicir ver ir vir dar quedar saber gusta
            can libro auga noite cidade mundo co coa cos coas dun dunha unhas uns cun cunha
            ante antes así cada caso contra desde durante estado estar forma gente lugar menos momento parte parece país sobre tal tanto toda tarde vida poder sido fin grandes es vamos eran tres creo sabe
            
        """,
        "ca": """
            de la que el i a en les un per els amb no una es és del al com s més o però seu seva ha han
            li ho hi jo ell ella nosaltres vosaltres ells elles em et ens us se si sí quan on què qui
            tot tots tota totes molt molta molts moltes també fins ara avui ahir demà sempre mai res gens
            bé bo bona dia dies any anys temps casa home dona gent cosa coses aquest aquesta aquests
            aquestes això allò aquell aquella era eren ser estar sóc ets som sou són estic està estem
            esteu estan vaig vas va vam vau van fer dir veure anar venir tenir tinc té tenim tenen puc
            pot podem poden vull vol volem saber sé sap perquè doncs encara només cap altre altra altres
            poc gran meu meva teu teva seus seves nostre nostra vostre dels pels pel uns unes sense entre
            sobre després abans aquí allà llavors gràcies gos llibre aigua nit ciutat món
            dos forma tres tal contra país cada mi tu vida poder
            he hem heu havia hauria seria fa feia fet dues mateix mateixa allí tan tant ni ja mentre segons mes
        """,
        "it": """
            di e il la che è per un in non una a del si da le sono con mi ma ha lo i gli al come più
            della ci se ti ho io anche nel alla dei delle questo questa quello quella cosa lei lui noi
            voi loro suo sua mio mia tuo tua nostro vostro molto tutto tutti tutte bene essere fare
            stato stata sei siamo siete era erano ero hai abbiamo avete hanno ne o no sì perché quando
            dove chi qui là ora adesso oggi ieri domani sempre mai niente nulla qualcosa grazie casa
            giorno anni anno tempo uomo donna vita così allora ancora solo poi già prima dopo senza tra
            fra su sul nella negli degli dal dalla dai sta sto stai vado va andare vuoi voglio posso può
            puoi sa so dire detto visto cane libro acqua notte città mondo
            me te caso contra forma gente momento parte tanto poco uno dice durante madre padre grande
        """,
    }.items()
}

# Per target language: letters and letter pairs its spelling doesn't use but its neighbours do
# (for Spanish: ç, ã, õ, grave accents, circumflexes, Catalan l·l and ny): a strong cue
# that no word list covers completely.
FOREIGN_SPELLING = {"es": r"[çãõâêôàèòìùï]|l·l|ny\b|\b(?:[dlmnst]'|qu')\w|\w'(?:n|l|m|t|s|ls|ns|hi|ho)\b"}
