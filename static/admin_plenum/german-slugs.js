// German slugs: "Förderung für Straßen" becomes "foerderung-fuer-strassen", not
// "forderung-fur-straen". Wraps Django's URLify, which prepopulate.js calls by name.
"use strict";
{
    const urlify = window.URLify;
    const german = {"ä": "ae", "ö": "oe", "ü": "ue", "Ä": "Ae", "Ö": "Oe", "Ü": "Ue", "ß": "ss"};
    window.URLify = function(text, maxLength, allowUnicode) {
        return urlify(text.replace(/[äöüÄÖÜß]/g, (letter) => german[letter]), maxLength, allowUnicode);
    };
}
