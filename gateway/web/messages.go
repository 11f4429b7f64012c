package web

// The message catalogue: every user-facing string of every page, in English and French. Pages
// refer to messages by key; TestTemplatesUseKnownMessages checks that every key they use is here.

type entry struct{ key, en, fr string }

type pluralEntry struct {
	key    string
	en, fr [2]string // one, other
}

// commonFeatures are accessibility features and needs that hosts and people pick from; they are
// also the values the event service stores and filters by.
var commonFeatures = []string{
	"step-free access", "seating available", "accessible washroom", "hearing loop", "quiet room",
	"large-print materials", "automatic doors", "elevator", "chair-based options",
}

// filterLanguages are the languages the filters offer, as BCP-47 codes.
var filterLanguages = []string{"en", "fr", "es", "zh", "yue", "ar", "pa", "pt", "so", "el", "oj"}

func messageTable() []entry {
	return []entry{
		// Frame of every page.
		{"site.name", "socialrx Human Connection", "socialrx Connexion humaine"},
		{"site.skip", "Skip to main content", "Aller au contenu principal"},
		{"site.nav", "Main", "Principal"},
		{"site.nav.events", "Events", "Activités"},
		{"site.nav.directory", "Member centres and programmes", "Centres membres et programmes"},
		{"site.switch", "Français", "English"},
		{"site.footer", "Community Health & Wellbeing Week: come, meet, connect.", "Semaine de la santé et du bien-être communautaires : venez, rencontrez, créez des liens."},

		// Dates and numbers.
		{"format.date", "%[1]s, %[2]s %[3]d, %[4]d", "%[1]s %[3]d %[2]s %[4]d"},
		{"format.time", "3:04 PM", "15 h 04"},
		{"format.km", "%.1f km", "%.1f km"},
		{"format.range", "%s to %s", "de %s à %s"},
		{"weekday.0", "Sunday", "dimanche"},
		{"weekday.1", "Monday", "lundi"},
		{"weekday.2", "Tuesday", "mardi"},
		{"weekday.3", "Wednesday", "mercredi"},
		{"weekday.4", "Thursday", "jeudi"},
		{"weekday.5", "Friday", "vendredi"},
		{"weekday.6", "Saturday", "samedi"},
		{"month.1", "January", "janvier"},
		{"month.2", "February", "février"},
		{"month.3", "March", "mars"},
		{"month.4", "April", "avril"},
		{"month.5", "May", "mai"},
		{"month.6", "June", "juin"},
		{"month.7", "July", "juillet"},
		{"month.8", "August", "août"},
		{"month.9", "September", "septembre"},
		{"month.10", "October", "octobre"},
		{"month.11", "November", "novembre"},
		{"month.12", "December", "décembre"},

		// The ten Human Connection ideas, and the rest.
		{"category.ART_ON_PRESCRIPTION", "Art on prescription", "Art sur ordonnance"},
		{"category.COMMUNITY_COOKING_CLASS", "Community cooking class", "Cours de cuisine communautaire"},
		{"category.NATURE_ON_PRESCRIPTION", "Nature on prescription", "Nature sur ordonnance"},
		{"category.STORYTELLING_CIRCLE", "Storytelling circle", "Cercle de récits"},
		{"category.MUSIC_AND_DANCE", "Music and dance", "Musique et danse"},
		{"category.PHOTOGRAPHY_WALK", "Photography walk", "Promenade photo"},
		{"category.COMMUNITY_GARDENING", "Community gardening", "Jardinage communautaire"},
		{"category.CULTURE_ON_PRESCRIPTION", "Culture on prescription", "Culture sur ordonnance"},
		{"category.OUTDOOR_PICNIC", "Outdoor picnic", "Pique-nique en plein air"},
		{"category.COMMUNITY_SERVICE", "Community service", "Bénévolat communautaire"},
		{"category.OTHER", "Other gathering", "Autre rencontre"},

		// Common accessibility features and needs (see commonFeatures).
		{"feature.step-free access", "Step-free access", "Accès sans marches"},
		{"feature.seating available", "Seating available", "Places assises"},
		{"feature.accessible washroom", "Accessible washroom", "Toilettes accessibles"},
		{"feature.hearing loop", "Hearing loop", "Boucle magnétique"},
		{"feature.quiet room", "Quiet room", "Salle calme"},
		{"feature.large-print materials", "Large-print materials", "Documents en gros caractères"},
		{"feature.automatic doors", "Automatic doors", "Portes automatiques"},
		{"feature.elevator", "Elevator", "Ascenseur"},
		{"feature.chair-based options", "Chair-based options", "Activités sur chaise"},

		// The listing.
		{"listing.title", "Upcoming Human Connection events", "Activités Connexion humaine à venir"},
		{"listing.intro", "Free and low-cost gatherings near you: art, nature, cooking, stories, music and more.", "Des rencontres gratuites ou à petit prix près de chez vous : art, nature, cuisine, récits, musique et plus."},
		{"listing.filters", "Find an event", "Trouver une activité"},
		{"listing.query", "Words in the title or description", "Mots du titre ou de la description"},
		{"listing.from", "From", "Du"},
		{"listing.to", "To", "Au"},
		{"listing.dates", "Dates", "Dates"},
		{"listing.categories", "Kinds of event", "Types d’activité"},
		{"listing.language", "Language spoken", "Langue parlée"},
		{"listing.language.any", "Any language", "Toutes les langues"},
		{"listing.features", "Accessibility", "Accessibilité"},
		{"listing.seats", "Only events with seats left", "Seulement les activités avec des places"},
		{"listing.where", "Where", "Où"},
		{"listing.centre", "Near a member centre", "Près d’un centre membre"},
		{"listing.centre.none", "Anywhere", "Partout"},
		{"listing.radius", "Within", "Dans un rayon de"},
		{"listing.latitude", "Latitude", "Latitude"},
		{"listing.longitude", "Longitude", "Longitude"},
		{"listing.coordinates", "Or near a point (latitude and longitude)", "Ou près d’un point (latitude et longitude)"},
		{"listing.locate", "Use my location", "Utiliser ma position"},
		{"listing.locating", "Finding your location…", "Recherche de votre position…"},
		{"listing.locate.failed", "Your location is not available; choose a member centre instead.", "Votre position n’est pas disponible ; choisissez plutôt un centre membre."},
		{"listing.search", "Show events", "Afficher les activités"},
		{"listing.results", "Results", "Résultats"},
		{"listing.none", "No event matches these choices. Try fewer filters or a wider distance.", "Aucune activité ne correspond à ces choix. Essayez moins de filtres ou une plus grande distance."},
		{"listing.more", "More events", "Plus d’activités"},
		{"listing.subscribe", "Subscribe to these events in your calendar", "S’abonner à ces activités dans votre agenda"},
		{"listing.subscribe.help", "Copy this link into your calendar app (Google, Apple, Outlook) to see new events as they are added.", "Copiez ce lien dans votre application d’agenda (Google, Apple, Outlook) pour voir les nouvelles activités dès leur ajout."},
		{"listing.away", "%s away", "à %s"},
		{"listing.nearest", "Nearest first", "Les plus proches d’abord"},

		// Seats.
		{"seats.full", "Full", "Complet"},
		{"seats.waitlist.join", "Join the waitlist", "S’inscrire sur la liste d’attente"},
		{"seats.register", "Register", "S’inscrire"},

		// Event page.
		{"event.when", "When", "Quand"},
		{"event.where", "Where", "Où"},
		{"event.online", "Online", "En ligne"},
		{"event.host", "Hosted by", "Organisé par"},
		{"event.cost", "Cost", "Coût"},
		{"event.free", "Free", "Gratuit"},
		{"event.price", "$%.2f", "%.2f $"},
		{"event.languages", "Languages", "Langues"},
		{"event.accessibility", "Accessibility", "Accessibilité"},
		{"event.sessions", "Sessions", "Séances"},
		{"event.session.cancelled", "Cancelled", "Annulée"},
		{"event.calendar", "Add every session to your calendar (.ics)", "Ajouter toutes les séances à votre agenda (.ics)"},
		{"event.back", "Back to the events", "Retour aux activités"},
		{"event.map", "See on a map (OpenStreetMap)", "Voir sur une carte (OpenStreetMap)"},

		// Registration form.
		{"register.title", "Register for %s", "Inscription : %s"},
		{"register.session", "Session", "Séance"},
		{"register.intro", "We ask only what the host needs to welcome you. Your details are not shown on the listing.", "Nous ne demandons que ce dont l’hôte a besoin pour vous accueillir. Vos coordonnées ne figurent pas dans la liste."},
		{"register.full", "This session is full: you will join the waitlist and get a seat if one frees up.", "Cette séance est complète : vous serez sur la liste d’attente et obtiendrez une place si une se libère."},
		{"register.given_name", "Your first name", "Votre prénom"},
		{"register.contact", "How can the host reach you?", "Comment l’hôte peut-il vous joindre ?"},
		{"register.contact.help", "An email address or a phone number, or both.", "Une adresse courriel ou un numéro de téléphone, ou les deux."},
		{"register.email", "Email", "Courriel"},
		{"register.phone", "Phone", "Téléphone"},
		{"register.needs", "Anything you need to take part?", "Avez-vous besoin de quelque chose pour participer ?"},
		{"register.needs.other", "Other needs", "Autres besoins"},
		{"register.needs.help", "For example: a ride, an interpreter, a diet.", "Par exemple : un transport, un interprète, un régime alimentaire."},
		{"register.submit", "Register", "M’inscrire"},
		{"register.optional", "(optional)", "(facultatif)"},

		// Confirmation, calendar and cancellation.
		{"confirm.title", "Your registration", "Votre inscription"},
		{"confirm.confirmed", "You are registered: your seat is confirmed.", "Vous êtes inscrit·e : votre place est confirmée."},
		{"confirm.waitlisted", "You are on the waitlist, in position %d. If a seat frees up, it is yours.", "Vous êtes sur la liste d’attente, en position %d. Si une place se libère, elle est à vous."},
		{"confirm.cancelled", "This registration is cancelled.", "Cette inscription est annulée."},
		{"confirm.attended", "You came to this session. Thank you!", "Vous êtes venu·e à cette séance. Merci !"},
		{"confirm.no_show", "This registration was marked as not attended.", "Cette inscription a été notée comme absence."},
		{"confirm.status.CONFIRMED", "Confirmed", "Confirmée"},
		{"confirm.status.WAITLISTED", "Waitlisted", "Sur la liste d’attente"},
		{"confirm.status.CANCELLED", "Cancelled", "Annulée"},
		{"confirm.status.ATTENDED", "Attended", "Présence confirmée"},
		{"confirm.status.NO_SHOW", "Not attended", "Absence"},
		{"confirm.status", "Status", "Statut"},
		{"confirm.calendar", "Add this session to your calendar (.ics)", "Ajouter cette séance à votre agenda (.ics)"},
		{"confirm.link", "Your private link", "Votre lien privé"},
		{"confirm.link.help", "Keep this link to come back to this page or cancel your place. Anyone who has it can cancel, so do not share it.", "Gardez ce lien pour revenir à cette page ou annuler votre place. Toute personne qui l’a peut annuler : ne le partagez pas."},
		{"confirm.cancel", "Cancel my place", "Annuler ma place"},
		{"cancel.title", "Cancel your place?", "Annuler votre place ?"},
		{"cancel.intro", "Your seat goes to the first person waiting. This cannot be undone.", "Votre place ira à la première personne en attente. Cette action est définitive."},
		{"cancel.submit", "Yes, cancel my place", "Oui, annuler ma place"},
		{"cancel.keep", "No, keep my place", "Non, garder ma place"},
		{"cancel.done", "Your place is cancelled. Thank you for letting the host know.", "Votre place est annulée. Merci d’avoir prévenu l’hôte."},

		// Directory.
		{"directory.title", "Find a member centre or programme", "Trouver un centre membre ou un programme"},
		{"directory.intro", "Community health centres and partners, and the programmes they run: friendly calls, meals, rides, equipment loans and more.", "Les centres de santé communautaire, leurs partenaires et leurs programmes : appels amicaux, repas, transport, prêt d’équipement et plus."},
		{"directory.query", "What are you looking for?", "Que cherchez-vous ?"},
		{"directory.term", "Kind of programme", "Type de programme"},
		{"directory.term.any", "Any kind", "Tous les types"},
		{"directory.search", "Search", "Rechercher"},
		{"directory.none", "No programme matches. Try other words or a wider distance.", "Aucun programme ne correspond. Essayez d’autres mots ou une plus grande distance."},
		{"directory.more", "More programmes", "Plus de programmes"},
		{"directory.centres", "Member centres", "Centres membres"},
		{"directory.by", "By %s", "Par %s"},
		{"programme.contact", "Contact", "Coordonnées"},
		{"programme.website", "Website", "Site Web"},
		{"programme.email", "Email", "Courriel"},
		{"programme.phone", "Phone", "Téléphone"},
		{"programme.schedule", "When", "Quand"},
		{"programme.languages", "Languages", "Langues"},
		{"programme.locations", "Where", "Où"},
		{"programme.eligibility", "Who it is for", "Pour qui"},
		{"programme.apply", "How to join", "Comment participer"},
		{"programme.cost", "Cost", "Coût"},
		{"programme.agesLabel", "Ages", "Âges"},
		{"programme.ages", "Ages %d to %d", "De %d à %d ans"},
		{"programme.accessibility", "Accessibility", "Accessibilité"},
		{"programme.transport", "Getting there", "Comment s’y rendre"},
		{"programme.areas", "Areas served", "Territoire desservi"},
		{"programme.kinds", "Kinds", "Types"},
		{"programme.back", "Back to the search", "Retour à la recherche"},
		{"programme.status.SERVICE_STATUS_INACTIVE", "Not running at the moment", "Interrompu pour le moment"},
		{"programme.status.SERVICE_STATUS_DEFUNCT", "No longer offered", "N’est plus offert"},
		{"programme.status.SERVICE_STATUS_TEMPORARILY_CLOSED", "Temporarily closed", "Fermé temporairement"},
		{"programme.virtual", "By phone or online", "Par téléphone ou en ligne"},

		// Errors a person understands.
		{"error.summary", "Please check the highlighted fields.", "Veuillez vérifier les champs signalés."},
		{"error.field.given_name", "Enter your first name (up to 100 characters).", "Indiquez votre prénom (100 caractères au plus)."},
		{"error.field.email", "Enter an email address like name@example.org.", "Indiquez une adresse courriel comme nom@exemple.org."},
		{"error.field.phone", "Enter a phone number using digits, spaces, +, - or brackets.", "Indiquez un numéro de téléphone avec des chiffres, des espaces, +, - ou des parenthèses."},
		{"error.field.contact", "Give an email address or a phone number so the host can reach you.", "Donnez une adresse courriel ou un numéro de téléphone pour que l’hôte puisse vous joindre."},
		{"error.field.needs_other", "Each need can be up to 100 characters, ten needs at most.", "Chaque besoin compte 100 caractères au plus, dix besoins au maximum."},
		{"error.field.from", "Enter a date like 2026-12-31.", "Indiquez une date comme 2026-12-31."},
		{"error.field.to", "Enter a date after the start date.", "Indiquez une date postérieure à la date de début."},
		{"error.field.lat", "Enter a latitude between -90 and 90, for example 43.67.", "Indiquez une latitude entre -90 et 90, par exemple 43,67."},
		{"error.field.lon", "Enter a longitude between -180 and 180, for example -79.35.", "Indiquez une longitude entre -180 et 180, par exemple -79,35."},
		{"error.field.radius", "Choose a distance from the list.", "Choisissez une distance dans la liste."},
		{"error.field.centre", "Choose a member centre from the list.", "Choisissez un centre membre dans la liste."},
		{"error.field.lang", "Choose a language from the list.", "Choisissez une langue dans la liste."},
		{"error.field.cat", "Choose kinds of event from the list.", "Choisissez des types d’activité dans la liste."},
		{"error.field.a11y", "Choose accessibility features from the list.", "Choisissez des éléments d’accessibilité dans la liste."},
		{"error.field.q", "Use at most 200 characters.", "Utilisez 200 caractères au plus."},
		{"error.field.term", "Choose a kind of programme from the list.", "Choisissez un type de programme dans la liste."},
		{"error.field.invalid", "Check this value.", "Vérifiez cette valeur."},
		{"error.reason.SESSION_STARTED", "This session has already started, so registration is closed.", "Cette séance a déjà commencé : les inscriptions sont closes."},
		{"error.reason.REGISTRATION_CLOSED", "Registration for this session is closed.", "Les inscriptions à cette séance sont closes."},
		{"error.reason.REGISTRATION_NOT_OPEN", "Registration for this session has not opened yet.", "Les inscriptions à cette séance ne sont pas encore ouvertes."},
		{"error.reason.SESSION_CANCELLED", "This session was cancelled.", "Cette séance a été annulée."},
		{"error.reason.EVENT_STATE", "This event is not open for registration.", "Cette activité n’est pas ouverte aux inscriptions."},
		{"error.reason.REGISTRATION_STATE", "This registration can no longer be cancelled.", "Cette inscription ne peut plus être annulée."},
		{"error.conflict", "Someone changed this at the same time. Here is the latest version; please try again.", "Quelqu’un a modifié ceci en même temps. Voici la dernière version ; veuillez réessayer."},
		{"error.title", "Something went wrong", "Un problème est survenu"},
		{"error.notfound.title", "Page not found", "Page introuvable"},
		{"error.notfound", "We could not find this page. It may have been removed, or the address may be mistyped.", "Nous n’avons pas trouvé cette page. Elle a peut-être été retirée, ou l’adresse contient une erreur."},
		{"error.link", "This link is not valid or has expired. Use the private link you received when you registered.", "Ce lien n’est pas valide ou a expiré. Utilisez le lien privé reçu lors de votre inscription."},
		{"error.csrf", "This form has expired. Go back, reload the page and send it again.", "Ce formulaire a expiré. Revenez en arrière, rechargez la page et envoyez-le de nouveau."},
		{"error.unavailable", "This service is not available right now. Please try again in a few minutes.", "Ce service n’est pas disponible pour le moment. Veuillez réessayer dans quelques minutes."},
		{"error.generic", "Something went wrong on our side. Please try again later.", "Un problème est survenu de notre côté. Veuillez réessayer plus tard."},
		{"error.denied", "You are not allowed to do this.", "Vous n’avez pas l’autorisation de faire ceci."},
		{"error.home", "Go to the events", "Aller aux activités"},
	}
}

func pluralTable() []pluralEntry {
	return []pluralEntry{
		{"seats.left", [2]string{"%d seat left", "%d seats left"}, [2]string{"%d place restante", "%d places restantes"}},
		{"seats.waiting", [2]string{"%d person waiting", "%d people waiting"}, [2]string{"%d personne en attente", "%d personnes en attente"}},
		{"listing.count", [2]string{"%d session", "%d sessions"}, [2]string{"%d séance", "%d séances"}},
		{"directory.count", [2]string{"%d programme", "%d programmes"}, [2]string{"%d programme", "%d programmes"}},
		{"radius.km", [2]string{"%d km", "%d km"}, [2]string{"%d km", "%d km"}},
	}
}
