package demodata

import (
	"google.golang.org/protobuf/proto"

	directoryv1 "github.com/socialrx/socialrx/proto/socialrx/directory/v1"
	eventv1 "github.com/socialrx/socialrx/proto/socialrx/event/v1"
)

// The demo's organisations, programmes and events in French, beside their English: public
// services in Ontario publish both (French Language Services Act). Every record's own language
// is English.

type text = directoryv1.LocalizedText

// frenchOrganizations are the organisations' names and descriptions in French, by resource name.
var frenchOrganizations = map[string]*text{
	OrgRiverdaleCHC: {DisplayName: "Centre de santé communautaire Riverdale",
		Description: "Soins primaires, promotion de la santé et programmes communautaires pour Riverdale, Leslieville et Chinatown Est, avec une équipe de prescription sociale qui met les patients en lien avec des activités locales."},
	OrgAlbionCHC: {DisplayName: "Centre de santé communautaire Albion Heights", AlternateName: "CSC Albion Heights",
		Description: "Soins primaires en équipe et programmes communautaires pour Etobicoke-Nord, offerts en anglais, en pendjabi, en somali, en arabe et en espagnol."},
	OrgRideauVanierCHC: {DisplayName: "Centre de santé communautaire Rideau-Vanier", AlternateName: "CSC Rideau-Vanier",
		Description: "Un centre de santé communautaire bilingue au service de Vanier et d’Overbrook à Ottawa : soins primaires, programmes pour les aînés et prescription sociale en français et en anglais."},
	OrgCrownPointCHC: {DisplayName: "Centre de santé communautaire Crown Point",
		Description: "Soins primaires et programmes de mieux-être communautaire pour l’est de Hamilton, de Crown Point à Homeside."},
	OrgPortArthurCHC: {DisplayName: "Centre de santé communautaire Port Arthur",
		Description: "Soins primaires, santé autochtone et programmes communautaires pour le nord de Thunder Bay, aux côtés de partenaires des Premières Nations et métis."},
	OrgGoodNeighbours: {DisplayName: "Réseau d’aînés Good Neighbours", AlternateName: "Good Neighbours",
		Description: "Un organisme de bienfaisance bénévole de l’est de Toronto qui garde les aînés en lien grâce aux appels amicaux, aux trajets vers les rendez-vous et au bénévolat en groupe."},
	OrgHamiltonFood: {DisplayName: "Réseau alimentaire communautaire de Hamilton", AlternateName: "RACH",
		Description: "Un organisme de sécurité alimentaire qui livre des repas, anime des jardins communautaires et organise des repas partagés dans le bas de la ville de Hamilton."},
}

// linkWorkerCentres are the French names of the centres whose link worker services the demo has.
var linkWorkerCentres = map[string]string{
	SvcRiverdaleLinkWorker:    "Centre de santé communautaire Riverdale",
	SvcAlbionLinkWorker:       "Centre de santé communautaire Albion Heights",
	SvcRideauVanierLinkWorker: "Centre de santé communautaire Rideau-Vanier",
	SvcCrownPointLinkWorker:   "Centre de santé communautaire Crown Point",
	SvcPortArthurLinkWorker:   "Centre de santé communautaire Port Arthur",
}

// frenchLinkWorker is a link worker service's name and description in French.
func frenchLinkWorker(centre string) *text {
	return &text{DisplayName: "Accompagnement en prescription sociale",
		Description: "Une personne de liaison du " + centre + " vous rencontre pour parler de ce qui compte pour vous, " +
			"fixe des objectifs avec vous et vous met en lien avec des activités et des ressources de la communauté. " +
			"Des appels de suivi permettent de voir comment les choses se passent et s’il faut plus d’aide."}
}

// frenchServices are the programmes' names and descriptions in French, by resource name.
var frenchServices = map[string]*text{
	SvcFriendlyCalls: {DisplayName: "Appels amicaux",
		Description: "Une ou un bénévole formé vous téléphone une ou deux fois par semaine pour bavarder, au moment qui vous convient. Les appels sont jumelés selon la langue et les intérêts, et les bénévoles peuvent vous parler des activités du quartier."},
	SvcTransportation: {DisplayName: "Trajets vers les rendez-vous",
		Description: "Des chauffeurs bénévoles conduisent les aînés à leurs rendez-vous médicaux, à la pharmacie et aux activités communautaires, et attendent pour les ramener. Les chauffeurs sont vérifiés et peuvent aider avec une marchette ou un fauteuil roulant pliant."},
	SvcVolunteerTogether: {DisplayName: "Bénévoler ensemble",
		Description: "De petits groupes de voisins font du bénévolat côte à côte : préparer des paniers d’épicerie, distribuer des cartes de fête et nettoyer les parcs du quartier. Une façon de se sentir utile, de rencontrer des gens et de redonner."},
	SvcMealDelivery: {DisplayName: "Repas sur roues",
		Description: "Des repas chauds et surgelés, préparés dans notre cuisine de la rue James Nord, sont livrés à votre porte par des bénévoles. Les menus respectent les régimes halal, végétarien et diabétique, et les chauffeurs prennent un moment pour prendre de vos nouvelles."},
	SvcCommunityGarden: {DisplayName: "Jardin communautaire du parc Gage",
		Description: "Cultivez légumes et fines herbes dans des bacs surélevés partagés, avec des voisins et une mentore jardinière expérimentée. Une partie de chaque récolte va au programme de repas."},
	SvcOutdoorPicnics: {DisplayName: "Pique-niques communautaires d’été",
		Description: "Des pique-niques mensuels au parc Gage avec les produits du jardin, des jeux sur la pelouse et de la musique. Venez avec un ami ou seul, et faites des rencontres."},
	SvcHealthEquipmentLoan: {DisplayName: "Prêt d’équipement de santé",
		Description: "Empruntez marchettes, fauteuils roulants, cannes, sièges de bain et sièges de toilette surélevés pour un maximum de trois mois, le temps de vous rétablir ou de recevoir les vôtres. Le personnel vous montre comment les utiliser et les régler."},
	SvcWalkingGroup: {DisplayName: "Groupe de marche du lac Boulevard",
		Description: "Une marche guidée et douce autour du lac Boulevard, à un rythme tranquille, suivie d’un thé au pavillon. Les marcheurs partagent ce qu’ils remarquent en chemin et apprennent à se connaître."},
	SvcCulturePass: {DisplayName: "Passeport culturel",
		Description: "Des sorties mensuelles avec une personne-guide vers les galeries, musées, concerts et événements culturels du coin, avec entrée gratuite. Chaque sortie se termine par un café pour parler de ce qu’on a vu et entendu."},
	SvcArtStudio: {DisplayName: "Atelier d’art ouvert",
		Description: "Un atelier hebdomadaire détendu de peinture, de collage et d’argile, animé par une artiste communautaire. Chacun travaille sur sa propre œuvre aux côtés des autres, et le groupe expose ses travaux deux fois par année."},
	SvcPhotographyWalk: {DisplayName: "Marche photo",
		Description: "Une marche lente dans le parc Riverdale Est pour prendre des photos avec son téléphone ou un appareil prêté, suivie d’un partage des meilleures images autour d’un thé. En pause pour l’hiver pendant l’absence du bénévole responsable."},
	SvcCookingClass: {DisplayName: "Cuisine communautaire",
		Description: "Préparez ensemble un repas sain et économique, puis partagez-le autour d’une même table. Les recettes viennent des traditions des participants, du dal pendjabi au bariis somalien."},
	SvcStorytellingCircle: {DisplayName: "Cercle de récits", AlternateName: "Cercle de contes",
		Description: "Des voisins se réunissent pour raconter des histoires de leur vie, en français ou en anglais, autour d’un thème choisi par le groupe. Écouter et être écouté crée des amitiés entre générations et cultures."},
	SvcMusicAndMovement: {DisplayName: "Musique et mouvement pour les aînés",
		Description: "De la danse assise ou debout sur des musiques de plusieurs époques et pays, avec un cercle de tambours une fois par mois. Les séances se terminent par une collation et un moment pour discuter."},
}

// frenchEvents are the events' titles and descriptions in French, by resource name.
var frenchEvents = map[string]*eventv1.EventText{
	EventCookingClass: {Title: "Cuisine communautaire : soupes de toutes les cuisines",
		Description: "Préparez ensemble une grande marmite de soupe dans la cuisine communautaire du centre, avec des recettes que des voisins ont apportées du Pendjab, de Somalie, du Mexique et d’ici même, à Etobicoke. Chacun choisit une tâche qui lui convient, couper, brasser ou mettre la table, puis nous partageons le repas. Aucune expérience n’est nécessaire; ingrédients et tabliers sont fournis."},
	EventArtAfternoon: {Title: "Après-midi d’art ouvert : une murale pour le quartier",
		Description: "Passez un après-midi détendu à faire du collage et de la peinture, pendant que de petits groupes ajoutent chacun un panneau à une murale commune pour le hall du centre. Une artiste du quartier montre quelques techniques simples, et on a tout le temps de jaser autour d’un thé. Tout le matériel est fourni, aucune formation en art n’est nécessaire."},
	EventPhotographyWalk: {Title: "Marche photo au parc Riverdale",
		Description: "Apportez un téléphone ou n’importe quel appareil photo et parcourez les sentiers du parc Riverdale Est en petit groupe, en vous arrêtant pour photographier ce qui attire votre regard. Ensuite, nous nous retrouvons sur les bancs pour que chacun partage une photo préférée et son histoire. Le trajet reste sur les sentiers pavés près de l’entrée, à un rythme doux."},
	EventStorytellingCircle: {Title: "Cercle de récits",
		Description: "Apportez une histoire sur un lieu, une personne ou un moment qui vous a marqué, ou venez simplement écouter. Le cercle se déroule en français et en anglais, avec une bénévole pour faire le pont entre les deux, autour d’un café et de pâtisseries d’une boulangerie de Vanier. Tout le monde est le bienvenu."},
	EventDanceParty: {Title: "Fête dansante Lien humain",
		Description: "Dansez sur des musiques de plusieurs décennies et pays avec les animateurs de musique et mouvement du centre, debout ou assis, ou essayez un tambour à main dans le coin rythme. Thé et collations font durer la conversation entre les chansons. Une salle calme est ouverte tout l’après-midi pour qui a besoin d’une pause loin du bruit."},
	EventNatureWalk: {Title: "Marche nature au lac Boulevard",
		Description: "Faites une promenade sans hâte autour du lac Boulevard avec une personne de liaison et un Aîné de la communauté qui partage des enseignements sur la terre et l’eau en chemin. Nous nous arrêtons souvent, et une boucle plus courte permet de revenir plus tôt. Des boissons chaudes attendent au pavillon; habillez-vous selon la météo."},
	EventGalleryOuting: {Title: "Sortie culturelle : un après-midi à la galerie",
		Description: "Rendez-vous au centre pour aller ensemble dans une galerie du coin, pour une visite guidée d’œuvres d’artistes du Nord-Ouest, dont des artistes des Premières Nations. De retour au centre, nous parlons autour d’un thé de ce qui nous a marqués. Une contribution de cinq dollars couvre l’entrée; votre personne de liaison peut l’annuler si le coût est un obstacle."},
	EventHarvestPicnic: {Title: "Pique-nique des récoltes au parc Gage",
		Description: "Partagez un dîner pique-nique préparé avec les légumes du jardin communautaire du parc Gage, cuisinés par des bénévoles du Réseau alimentaire communautaire de Hamilton. Apportez une histoire ou une chanson préférée si le cœur vous en dit, ou venez simplement pour le repas et la compagnie. Couvertures et chaises fournies; habillez-vous selon la météo."},
	EventCareKitPacking: {Title: "Corvée de trousses de soins",
		Description: "Travaillez aux côtés des bénévoles de Good Neighbours pour préparer des trousses de soins et écrire des cartes joyeuses pour des aînés du quartier qui vivent seuls. Toutes les tâches se font assis, avec une pause thé à mi-chemin pour faire connaissance. Les trousses partent avec la prochaine tournée d’appels amicaux et de trajets."},
	EventSeedSwap: {Title: "Échange de semences et jardinage sur balcon",
		Description: "Apportez des semences, des boutures ou simplement votre curiosité, et repartez avec de quoi faire pousser sur un balcon ou un rebord de fenêtre. Les bénévoles de Good Neighbours montrent comment démarrer des semis dans des pots recyclés pendant qu’on échange des trucs autour d’un thé."},
}

// withFrench gives each organisation and service its French text.
func withFrench[T interface{ GetName() string }](records []T, french func(name string) *text, set func(T, *text)) []T {
	for _, r := range records {
		if fr := french(r.GetName()); fr != nil {
			t := proto.CloneOf(fr)
			t.LanguageCode = "fr"
			set(r, t)
		}
	}
	return records
}

func frenchOrganization(name string) *text { return frenchOrganizations[name] }

func frenchService(name string) *text {
	if centre, ok := linkWorkerCentres[name]; ok {
		return frenchLinkWorker(centre)
	}
	return frenchServices[name]
}

func setOrganizationText(o *organization, t *text) {
	o.LanguageCode, o.Translations = "en", []*text{t}
}

func setServiceText(s *service, t *text) {
	s.LanguageCode, s.Translations = "en", []*text{t}
}
