"""Short, hand-written word lists per language.

Two uses, two kinds of list:

* ``FUNCTION_WORDS``: the most frequent grammatical words of each target
  language.  Real prose always contains some; keyword spam, tables and menus
  don't (the quality rule ``function_words``).  Korean and Japanese attach
  particles to words and Chinese has no spaces, so for ko/ja/zh these are
  matched as substrings, for en/es as whole words.
* ``COMMON_WORDS``: the ~200-450 most frequent words (grammatical words,
  common verb forms, everyday nouns, weekdays) of a Latin-script target and
  of its close neighbours.  lid.176 cannot tell a ten-word Galician or
  Catalan sentence from Spanish; their frequent words can.  ``filters.langid``
  compares two languages by the words frequent in one and absent from the
  other's list (set differences, so shared words like "de" or "no" weigh
  nothing), which is why each list should hold a language's frequent words
  whether or not a neighbour shares them: a word missing from one list is
  evidence against that language wherever a neighbour's list has it.  The
  lists were checked pairwise for that (every word in one list and not in a
  neighbour's must be rare or invalid in the neighbour).  Deliberately left
  out: Spanish "o" (or), "os", "e" (and, before i-) and "ten" (have!), which
  as the Galician/Portuguese articles and conjunction and Galician "has"
  are ten to forty times as frequent there (``RARER_WORDS``), and Galician
  "es" (you are), the Spanish "is".
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
            a about after again all already also always am an and any anything are as at back be because been
            before between both but by came can can't car case come could day dice did didn't do does doesn't don't
            down each era ever every everyone father for from fun get give go going good got great had has have
            hay he her here him his home house how i i'm if important in is isn't it it's just know last let like little look
            made make man many may me men more most mother much must my need never new no not nothing now of
            old on once one only or other our out over per please possible really right said same say sea see sense she should
            since so some something son sorry still take tell ten than thank thanks that the their them then
            there these they think this those three through time to today tomorrow too try two under until up
            us use van very want was way we well went were what when where which while who why will with won't
            work world would year yes yesterday you your
        """,
        "es": """
            a abrir acabar además agua ahora ahí al algo alguien alguna algunas alguno algunos algún allá allí alto amiga
            amigo anoche ante antes apenas aquel aquella aquí arriba así aunque ayer ayudar año años aún bajo bastante beber bien
            buen buena bueno buscar cada calle calor canta canto carne caro carro casa casi caso cerrar cielo ciudad
            coche come comer como comprar con conmigo conocer conozco consigo contigo contra cosa cosas cree creer
            creo cual cualquier cuando cuál cuándo cuánta cuánto cuántos cómo da dado dar das de debe deber
            decir dejar dejó del demasiado dentro desde después detrás di dice dicen dices difícil digo dijo dime
            dinero dio domingo donde dormir dos doy durante día días dónde el ella ellas ello ellos embargo
            empezar en encontrar entender entonces entrar entre era eran eras eres es esa esas escribir
            escuela ese eso esos esperar esta estaba estaban estado estamos estar estas este esto estos estoy
            estudiar estuvo está están estás esté feliz fin forma frío fue fuera fueron fui fuiste fácil gato
            gente gracias gran grande grandes gusta gustan gustar gusto ha haber habido habla hablamos hablar hablo
            habéis había habían hace hacemos hacen hacer haces hacia hago han has hasta hay haya he hecho
            hemos hermana hermano hice hiciste hija hijo hizo hola hombre hora hoy hubo iba importante ir
            joven jueves jugar la largo las le leer les libro libros llama llamar llegar llegó llevar lo los
            luego lugar lunes madre mal mala malo manera mar marchar martes mas mayor mañana me medio mejor
            menos mes mesa mi mientras mirar mis misma mismo miércoles momento mucha muchas mucho muchos mujer
            mundo muy más mí mía mío nada nadie necesita necesito nena ni ninguna ninguno ningún niña niño
            niños no noche nos nosotras nosotros nuestra nuestras nuestro nuestros nueva nuevo nunca once otra
            otras otro otros padre palabra pan para parece parte pasa pasar pasó país pedir pelo pensar peor
            pequeña pequeño perder pero perro piensa pienso poca poco podemos poder podía poner por porque posible
            pregunta prima primer primera primero pronto pudo puede pueden puedes puedo puerta pues puso que
            queda quedamos quedar queremos querer quería quien quienes quiere quieren quieres quiero quizá quizás quién
            qué recordar rápido sabe sabemos saben saber sabes sabia sabía sabías salir se sea seguir segunda segundo según semana
            sentir ser seremos será sería señor señora si sido siempre siento siete sin sino sobre sois sol solo somos son
            soy su sus suya suyo sábado sé sí sólo tal también tampoco tan tanto tarde te temprano tenemos
            tener tenga tengo tenía terminar ti tiempo tiene tienen tienes tierra toda todas todavía todo
            todos tomar trabajar trabajo traer tres tu tus tuve tuvo tuya tuyo tú u un una uno unos usted
            ustedes va vamos van vas ve veces vemos ven venir veo ver verdad ves vez vi vida vieja viejo viene
            vienen viernes vimos vino vio visto vive vivir volver vos vosotros voy vuelve y ya yo él éramos
        """,
        "pt": """
            a abrir acabar acha acho agora ainda ajudar algo algum alguma alguém ali alto amanhã amiga amigo ano anos
            ante antes ao aos apenas aquela aquele aqui aquilo as até bastante beber bem boa bom buscar cada
            calor canta canto carne caro carro casa caso cedo chamar chegar chegou cidade coisa coisas com
            come comer começar comigo como comprar conhecer consigo contigo contra cão céu da dado daquela
            daquele dar das de deixar dela delas dele deles demais demasiado dentro depois desde dessa dessas
            desse desses desta destas deste destes deu dia dias difícil dinheiro disse diz dizer do dois
            domingo dormir dos duas durante dá e ela elas ele eles em embora encontrar enquanto entender
            entrar entre então era eram escola escrever esperar essa essas esse esses esta estado estamos
            estar estas estava estavam este estes estou estudar está estás estão eu fala falar falou faz fazer
            fechar feito feliz fez fica ficar ficou filha filho fiz foi fomos fora foram forma fosse fui fácil
            gente gosta gostar gosto grande grandes havia hoje homem hora há ia importante ir irmã irmão isso
            isto jogar jovem já lembrar ler lhe lhes livro logo lugar lá mais mar mas mau me melhor menina
            menino menos mesa mesmo meu meus mim minha minhas momento muita muitas muito muitos mulher mundo
            má mãe na nada naquela naquele nas nem nenhum nenhuma nessa nessas nesse nesses nesta nestas neste
            nestes ninguém no noite nos nossa nossas nosso nossos num numa nunca não nós o obrigada obrigado
            olhar onde ontem os ou outra outras outro outros padre pai pais palavra para parece parte passar
            país pedir pela pelas pelo pelos pensar pequena pequeno perder pergunta pior pode podemos poder
            podia por porque porquê porta posso possível pouca pouco precisa preciso procurar pronto pôde qual
            quando quarta quase que quem quer queremos querer queria quero quinta rua rápido sabe sabemos
            saber sabia sair se seguir segunda sei seja sem semana sempre senhor senhora sentir ser seremos seria será
            seu seus sexta si sido sim sobre sol somos sou sua suas sábado são só tal talvez também tanto
            tarde te tem temos tempo tenho tens ter teria terminar terra terça teu teve ti tinha tive toda
            todas todo todos tomar trabalhar trabalho três tu tua tudo têm um uma vai vamos veio vejo velha
            velho vem vemos ver verdade vez vezes vi vida vimos vir visto viu viver você vocês voltar vos vou
            vão à às água é éramos és
        """,
        "gl": """
            a abaixo abrir acabar acolá agardar agora algo algunha alguén algún alto alí amiga amigo ano anos ante
            antes ao aos aquel aquela aquilo aquí arriba as así ata atopar auga axudar aí aínda bastante beber
            ben bo boa buscar cada cal cales calor can cando canta canto cantos carne caro casa case caso cedo
            ceo chamar chan che chegar chegou chuvia cidade co coa coas coche coller come comer comezar comigo
            como comprar con contigo contra cos cousa cousas coñecer creo cun cunha cómpre da dado daquel
            daquela dar das de debe deber deixar del dela delas deles demasiado dentro desa desas desde dese
            deses despois desta destas deste destes detrás deu di diante dicir difícil dis dito dixen dixo
            diñeiro do domingo dos dou dous dun dunha dunhas duns durante durmir dá dás día días dúas e el ela
            elas eles en entender entrar entre entón era eran eras eres esa esas escoitar escola escribir ese
            eses esperar esta estaba estaban estades estado estamos estar estas este estes estiven estivo
            estou estudar está están estás eu facemos facer facía fago fai fala falaba falar falo falou fan
            fas feito feliz filla fillas fillo fillos fin fixen fixo foi fomos forma foron fose froita frío fuches fun fácil
            fóra gato gran grande grandes grazas gusta gustan gustar gusto ha había hai home hora houbo hoxe
            ides imos importante ir irmá irmán iso isto leite lembrar ler levar libro libros lle lles logo
            lonxe lugar lume luns mais mal mala malo mar marchar martes mazá mañá me medio mellor menos
            mentres mercar mesa mesmo meu meus min mirar miña miñas moi moita moitas moito moitos momento
            muller mundo máis mércores na nada nai naquel naquela nas nena nenas neno nenos nesa nesas nese neses nesta nestas
            neste nestes nin ningunha ninguén ningún no noite non nos nosa nosas noso nosos nova novo nun
            nunca nunha nós o ollar onde onte os ou outra outras outro outros ovo pagas pai pais palabra pan
            para parece parte pasa pasar paxaro país pechar pedir peixe pensar peor pequena pequeno perder
            pero pode podemos poder podes podo podía pola polas polo polos por porque porta posible pouca
            pouco poñer precisa preciso pregunta preto pronto puido que queda quedamos quedar quen quere
            queremos querer queres quero quería quixo quizais rapaces rapaz rapaza recordar rematar resposta
            rápido rúa sabe sabemos saben saber sabes sabía sabías sair saír se seguir sei semana sempre sen
            sentir ser seremos será sería seu seus sexa señor señora si sido soa sobre sodes sol solo somos
            son soubo sábado só súa súas tal talvez tampouco tamén tan tanto tarde te tedes temos tempo ten
            ter terra tería tes teu teñen teño ti tiven tivo tiña tiñas toda todas todo todos tomar traballar
            traballo traer tres túa un unha unhas uns vai vamos van vas veces veciño vella vello vemos ven
            venres vento ver verdade ves veu vexo vez veñen veño viches vida vila vimos vin vir visto viu vive
            vivir viño volver vos vosa voso vostede vostedes vou vén vós xa xente xogar xoves xuntos á ás é
            éramos ía
        """,
        "ca": """
            a abans acabar ahir aigua això ajudar al algun alguna algú allà allí allò alt altra altre altres
            amb amic amiga anar any anys aquell aquella aquells aquest aquesta aquestes aquests aquí ara
            arribar aviat avui bastant beure bo bona buscar bé cada cal calor cap car carrer casa cel ciutat com
            començar comprar contra conèixer cosa coses cotxe crec creu cridar de deia deixar del dels demanar
            demà després deu dia dic dies difícil dijous dilluns dimarts dimecres diners dins dir dissabte dit diu
            diuen diumenge divendres dona doncs dormir dos dues el ell ella elles ells els em en encara ens
            entendre entrar entre era eren es escola escriure esperar estan estar estava estem esteu estic
            estudiar està estàs et ets fa faig fan feia feliç fem fer fet feu fill filla fins fora forma fos
            fàcil gairebé gat gens gent germana germà gos gran grans gràcies ha han has hauria havia he hem
            heu hi ho home hora i important ja jo jove jugar la les li llavors llegir llibre mai mal mar mare
            massa mateix mateixa menjar mentre mes meu meua meues meus meva meves mi millor mirar molt molta moltes molts
            més món necessita necessito nen nena ni ningú nit no només nosaltres nostra nostre nostres o obrir
            on paraula pare pares parla parlar passar país pel pels pensar per perdre perque perquè però petit petita
            pitjor poc poca pocs podem poden poder podeu podia por porta possible pot pots potser pregunta
            prendre primer puc quan que qui què recordar res ràpid sabem saber sabia sap saps se segons seguir sempre
            sense sentir senyor senyora ser seria setmana seu seua seues seus seva seves si sobre sol som sortir sou sé
            sí sóc són tal també tan tancar tant taula temps tenen tenia tenim tenir teniu tens terra teu teua teva
            tinc tingut tornar tot tota totes tots treball treballar tres trobar tu té un una unes uns us va
            vaig vam van vas vau ve veia veig vell vella venir veritat veu veure vida vinc vist viure vol
            volem volen volia vols vosaltres vostra vostre vull és
        """,
        "it": """
            a abbiamo acqua adesso aiutare al alla allora alto amica amico anche ancora andare anni anno
            aprire arrivare aspettare avete bene bere bisogno cane capire caro casa caso cercare che chi
            chiamare chiedere chiudere ci cielo città come cominciare comprare con conoscere contra cosa cose
            così credo da dai dal dalla degli dei del della delle dentro detto di dice difficile dire domanda
            domani domenica donna dopo dormire dove durante e entrare era erano ero essere fa faccio facile
            fare fatto felice figlia figlio finire forma forse fra fratello fuori gatto gente giocare giorni
            giorno giovane giovedì già gli grande grazie guardare ha hai hanno ho i ieri il importante in io
            la lasciare lavoro le leggere lei libro lo loro lui lunedì là lì ma macchina madre mai mangiare
            martedì me mercoledì mi mia mie miei migliore mio molta molte molti molto momento mondo ne negli
            nel nella nessuno niente no noi non nostra nostro notte nulla o oggi ora padre parlare parola
            parte passare peggio pensare penso per perché perdere piccolo più poco poi porta possibile posso
            prendere presto prima puoi può qua qualcosa qualcuno quando quasi quella quello questa queste
            questi questo qui ragazza ragazzo ricordare sa sabato sai scrivere scuola se sei sempre sentire
            senza settimana si siamo siete signora signore so soldi solo sono sorella sta stai stata stato sto
            strada studiare su sua sue sul sulla suo suoi sì tanto tavolo te tempo terra ti tornare tra troppo
            trovare tua tuo tutta tutte tutti tutto un una uno uomo uscire va vado vai vecchio vedere veloce
            venerdì verità visto vita vivere voglio voi vostro vuoi vuole è
        """,
    }.items()
}

# Words a language writes, but so much less often than the neighbours whose
# lists hold them that they stay evidence for those neighbours, only weaker
# than a word the language never writes: the ratio of their frequencies per
# token (Spanish news and Tatoeba against Galician and Portuguese Tatoeba; o:
# 14-33 vs 326-330 per 10,000 tokens, e: 1-8 vs 47-85, os: 1-3 vs 44-79,
# ten: 0.1-1.2 vs 38).  ``filters.langid`` counts one for the neighbour as
# log(ratio) / log(WORD_ODDS) of a word instead of a whole one.
RARER_WORDS: dict[str, dict[str, float]] = {"es": {"o": 15, "e": 20, "os": 30, "ten": 40}}
