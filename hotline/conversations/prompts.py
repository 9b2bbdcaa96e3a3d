"""What the channels say themselves, beside the flow's own prompts, in the flow's five languages.

These are data like the flow file, not gettext messages: a caller who chose French or Haitian Creole
must hear their language even though the public web surface offers only Spanish and English.
"""

# ruff: noqa: E501  (prompts are sentences; they read better unbroken, like the flow file)

from __future__ import annotations

from collections.abc import Mapping

from babel import Locale

LANGUAGES = ("es", "en", "fr", "pt", "ht")
DEFAULT_LANGUAGE = "es"

PROMPTS: Mapping[str, Mapping[str, str]] = {
    # The chat's answer buttons: each is read back like typed words (routing.answers).
    "choice_yes": {"es": "Sí", "en": "Yes", "fr": "Oui", "pt": "Sim", "ht": "Wi"},
    "choice_no": {"es": "No", "en": "No", "fr": "Non", "pt": "Não", "ht": "Non"},
    "choice_unknown": {"es": "No sé", "en": "Don't know", "fr": "Je ne sais pas", "pt": "Não sei", "ht": "M pa konnen"},
    "not_understood": {
        "es": "Perdone, no le entendí.",
        "en": "Sorry, I did not understand.",
        "fr": "Pardon, je n'ai pas compris.",
        "pt": "Desculpe, não entendi.",
        "ht": "Padon, mwen pa konprann.",
    },
    "calling_from": {
        "es": "Usted llama desde {country}. Si está pasando allí, marque 1. Si pasa en otro país, marque 2.",
        "en": "You are calling from {country}. If it is happening there, press 1. If it is in another country, press 2.",
        "fr": "Vous appelez depuis {country}. Si cela se passe là-bas, tapez 1. Si c'est dans un autre pays, tapez 2.",
        "pt": "Você está ligando de {country}. Se está acontecendo lá, digite 1. Se for em outro país, digite 2.",
        "ht": "W ap rele soti {country}. Si se la sa ap pase, peze 1. Si se nan yon lòt peyi, peze 2.",
    },
    "country_menu_intro": {
        "es": "¿En qué país está pasando?",
        "en": "In which country is it happening?",
        "fr": "Dans quel pays cela se passe-t-il ?",
        "pt": "Em que país está acontecendo?",
        "ht": "Nan ki peyi sa ap pase?",
    },
    "country_option": {
        "es": "Para {country}, marque {digit}.",
        "en": "For {country}, press {digit}.",
        "fr": "Pour {country}, tapez {digit}.",
        "pt": "Para {country}, digite {digit}.",
        "ht": "Pou {country}, peze {digit}.",
    },
    "country_unknown_option": {
        "es": "Si no lo sabe, marque 0.",
        "en": "If you do not know, press 0.",
        "fr": "Si vous ne savez pas, tapez 0.",
        "pt": "Se não souber, digite 0.",
        "ht": "Si ou pa konnen, peze 0.",
    },
    "say_region": {
        "es": "Diga el departamento, estado o ciudad donde está pasando.",
        "en": "Say the department, state or city where it is happening.",
        "fr": "Dites le département, l'État ou la ville où cela se passe.",
        "pt": "Diga o estado, departamento ou cidade onde está acontecendo.",
        "ht": "Di depatman an oswa vil kote sa ap pase a.",
    },
    "record_after_tone": {
        "es": "Hable después del tono y marque numeral al terminar.",
        "en": "Speak after the tone and press the pound key when you finish.",
        "fr": "Parlez après le bip et tapez dièse quand vous avez fini.",
        "pt": "Fale depois do sinal e digite jogo da velha ao terminar.",
        "ht": "Pale apre son an epi peze kare lè ou fini.",
    },
    "queue_position": {
        "es": "Usted es el número {position} en la fila. Por favor, no cuelgue.",
        "en": "You are number {position} in line. Please stay on the line.",
        "fr": "Vous êtes le numéro {position} dans la file. Merci de rester en ligne.",
        "pt": "Você é o número {position} na fila. Por favor, não desligue.",
        "ht": "Ou se nimewo {position} nan liy lan. Tanpri rete sou liy lan.",
    },
    "voicemail": {
        "es": "En este momento nadie puede atenderle. Deje un mensaje después del tono; lo escucharemos pronto.",
        "en": "No one is free right now. Leave a message after the tone; we will listen to it soon.",
        "fr": "Personne n'est disponible pour le moment. Laissez un message après le bip ; nous l'écouterons bientôt.",
        "pt": "Ninguém está disponível agora. Deixe uma mensagem depois do sinal; vamos ouvi-la em breve.",
        "ht": "Pa gen pèsonn disponib kounye a. Kite yon mesaj apre son an; n ap koute l byento.",
    },
    "voicemail_thanks": {
        "es": "Gracias. Recibimos su mensaje.",
        "en": "Thank you. We have received your message.",
        "fr": "Merci. Nous avons reçu votre message.",
        "pt": "Obrigado. Recebemos a sua mensagem.",
        "ht": "Mèsi. Nou resevwa mesaj ou a.",
    },
    "dialling_emergency": {
        "es": "Le comunicamos ahora con la línea de emergencia de {country}.",
        "en": "We are connecting you now to the emergency line of {country}.",
        "fr": "Nous vous mettons en relation avec la ligne d'urgence de {country}.",
        "pt": "Vamos ligar você agora para a linha de emergência de {country}.",
        "ht": "N ap konekte w kounye a ak liy ijans {country}.",
    },
    # The language menu, each option said in its own language by that language's voice.
    "language_option": {
        "es": "Para español, marque 1.",
        "en": "For English, press 2.",
        "fr": "Pour le français, tapez 3.",
        "pt": "Para português, digite 4.",
        "ht": "Pou kreyòl ayisyen, peze 5.",
    },
    # Said before every <Record>: a caller must know their voice is kept.
    "recording_notice": {
        "es": "Su mensaje quedará grabado para que nuestro equipo lo escuche.",
        "en": "Your message will be recorded so that our team can listen to it.",
        "fr": "Votre message sera enregistré pour que notre équipe puisse l'écouter.",
        "pt": "A sua mensagem será gravada para que a nossa equipe possa ouvi-la.",
        "ht": "Mesaj ou a ap anrejistre pou ekip nou an ka koute l.",
    },
    "connecting_operator": {
        "es": "Le comunicamos ahora con una persona de nuestro equipo.",
        "en": "We are putting you through to a member of our team now.",
        "fr": "Nous vous passons maintenant une personne de notre équipe.",
        "pt": "Vamos passar a sua ligação agora para uma pessoa da nossa equipe.",
        "ht": "N ap pase w kounye a bay yon moun nan ekip nou an.",
    },
    "nobody_on_shift": {
        "es": "En este momento nadie de nuestro equipo puede atender su llamada.",
        "en": "No one from our team can take your call at the moment.",
        "fr": "Personne de notre équipe ne peut prendre votre appel pour le moment.",
        "pt": "Neste momento ninguém da nossa equipe pode atender a sua ligação.",
        "ht": "Pa gen pèsonn nan ekip nou an ki ka pran apèl ou kounye a.",
    },
    "call_this_number": {
        "es": "Si está en peligro, llame ahora a la línea de emergencia de {country}: {number}. Repito: {number}.",
        "en": "If you are in danger, call the emergency line of {country} now: {number}. Again: {number}.",
        "fr": "Si vous êtes en danger, appelez maintenant la ligne d'urgence de {country} : {number}. Je répète : {number}.",
        "pt": "Se estiver em perigo, ligue agora para a linha de emergência de {country}: {number}. Repito: {number}.",
        "ht": "Si ou an danje, rele liy ijans {country} kounye a: {number}. Mwen repete: {number}.",
    },
    # Heard by the operator when their softphone dials and nobody they can take is waiting.
    "no_one_waiting": {
        "es": "No hay nadie esperando.",
        "en": "No one is waiting.",
        "fr": "Personne n'attend.",
        "pt": "Não há ninguém esperando.",
        "ht": "Pa gen pèsonn k ap tann.",
    },
    # The first SMS: nothing in it may tell someone reading the texter's phone what the line is for.
    "sms_greeting": {
        "es": "Hola, gracias por escribir.",
        "en": "Hello, thank you for writing.",
        "fr": "Bonjour, merci de votre message.",
        "pt": "Olá, obrigado por escrever.",
        "ht": "Bonjou, mèsi paske ou ekri.",
    },
    "sms_help": {
        "es": "Este servicio es gratuito y confidencial. Responda a la pregunta, o escriba ALTO para no recibir más mensajes.",
        "en": "This service is free and confidential. Answer the question, or write STOP to receive no more messages.",
        "fr": "Ce service est gratuit et confidentiel. Répondez à la question, ou écrivez STOP pour ne plus recevoir de messages.",
        "pt": "Este serviço é gratuito e confidencial. Responda à pergunta, ou escreva PARAR para não receber mais mensagens.",
        "ht": "Sèvis sa a gratis e konfidansyèl. Reponn kesyon an, oswa ekri STOP pou w pa resevwa lòt mesaj.",
    },
    "passphrase": {
        "es": "Para agregar información más tarde, use su referencia y esta clave: {passphrase}. Borre este mensaje si no es seguro guardarlo.",
        "en": "To add information later, use your reference and this code: {passphrase}. Delete this message if it is not safe to keep.",
        "fr": "Pour ajouter des informations plus tard, utilisez votre référence et ce code : {passphrase}. Effacez ce message s'il n'est pas sûr de le garder.",
        "pt": "Para acrescentar informações depois, use a sua referência e este código: {passphrase}. Apague esta mensagem se não for seguro guardá-la.",
        "ht": "Pou ajoute enfòmasyon pita, sèvi ak referans ou ak kòd sa a: {passphrase}. Efase mesaj sa a si li pa an sekirite pou w kenbe l.",
    },
    "follow_up_added": {
        "es": "Gracias. Agregamos su mensaje a {reference}.",
        "en": "Thank you. We have added your message to {reference}.",
        "fr": "Merci. Nous avons ajouté votre message à {reference}.",
        "pt": "Obrigado. Acrescentamos a sua mensagem a {reference}.",
        "ht": "Mèsi. Nou ajoute mesaj ou a nan {reference}.",
    },
    "problem_try_again": {
        "es": "Perdone, tuvimos un problema. Intentemos de nuevo.",
        "en": "Sorry, we had a problem. Let us try again.",
        "fr": "Pardon, nous avons eu un problème. Essayons encore.",
        "pt": "Desculpe, tivemos um problema. Vamos tentar de novo.",
        "ht": "Padon, nou te gen yon pwoblèm. Ann eseye ankò.",
    },
    "problem_call_again": {
        "es": "Perdone, tuvimos un problema. Por favor, llame de nuevo en unos minutos.",
        "en": "Sorry, we had a problem. Please call again in a few minutes.",
        "fr": "Pardon, nous avons eu un problème. Veuillez rappeler dans quelques minutes.",
        "pt": "Desculpe, tivemos um problema. Por favor, ligue de novo em alguns minutos.",
        "ht": "Padon, nou te gen yon pwoblèm. Tanpri rele ankò nan kèk minit.",
    },
    "problem_send_again": {
        "es": "Perdone, no pudimos leer su mensaje. Por favor, envíelo de nuevo.",
        "en": "Sorry, we could not read your message. Please send it again.",
        "fr": "Pardon, nous n'avons pas pu lire votre message. Veuillez l'envoyer à nouveau.",
        "pt": "Desculpe, não conseguimos ler a sua mensagem. Por favor, envie de novo.",
        "ht": "Padon, nou pa t kapab li mesaj ou a. Tanpri voye l ankò.",
    },
    # Said in the web chat when the operator ends it: the reporter must not be left writing to no one.
    "chat_closed": {
        "es": "Esta conversación terminó. Gracias por escribirnos. Si necesita algo más, puede escribirnos de nuevo aquí.",
        "en": "This conversation has ended. Thank you for writing to us. If you need anything else, you can write to us again here.",
        "fr": "Cette conversation est terminée. Merci de nous avoir écrit. Si vous avez besoin d'autre chose, vous pouvez nous écrire à nouveau ici.",
        "pt": "Esta conversa terminou. Obrigado por nos escrever. Se precisar de mais alguma coisa, pode nos escrever de novo aqui.",
        "ht": "Konvèsasyon sa a fini. Mèsi paske ou ekri nou. Si ou bezwen lòt bagay, ou ka ekri nou ankò isit la.",
    },
    "operator_will_reply": {
        "es": "Una persona de nuestro equipo le responderá aquí.",
        "en": "A member of our team will answer you here.",
        "fr": "Une personne de notre équipe vous répondra ici.",
        "pt": "Uma pessoa da nossa equipe vai responder aqui.",
        "ht": "Yon moun nan ekip nou an pral reponn ou isit la.",
    },
}

# Twilio's text-to-speech and speech recognition have no Haitian Creole: a Creole caller hears the
# French voice (the closest language Twilio speaks, and one most Haitians understand), while the
# words are still the Creole ones from the flow.
TWILIO_LANGUAGE = {"es": "es-MX", "en": "en-US", "fr": "fr-FR", "pt": "pt-BR", "ht": "fr-FR"}
TWILIO_VOICE = {
    "es-MX": "Polly.Mia",
    "en-US": "Polly.Joanna",
    "fr-FR": "Polly.Lea",
    "pt-BR": "Polly.Camila",
}


# Twilio's speech recognition hears these; a Haitian Creole narrative is recorded instead.
SPEECH_LANGUAGES = ("es", "en", "fr", "pt")


def language_of(code: str | None) -> str:
    return code if code in LANGUAGES else DEFAULT_LANGUAGE


def prompt(name: str, language: str | None, **values: object) -> str:
    return PROMPTS[name][language_of(language)].format(**values)


def country_name(code: str, language: str | None) -> str:
    """The country's CLDR name in the caller's language (Creole falls back to French names)."""
    lang = language_of(language)
    return Locale.parse("fr" if lang == "ht" else lang).territories.get(code, code)
