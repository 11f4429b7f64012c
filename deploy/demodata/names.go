package demodata

// Taxonomy names.
const (
	// TaxonomyActivity classifies Human Connection events and activity programmes.
	TaxonomyActivity = "socialrx-activity"
	// TaxonomyProgramme classifies community programmes and link worker support.
	TaxonomyProgramme = "socialrx-programme"
)

// Activity taxonomy terms: the ten Human Connection event kinds.
const (
	TermArtOnPrescription     = "taxonomyTerms/art-on-prescription"
	TermCommunityCookingClass = "taxonomyTerms/community-cooking-class"
	TermNatureOnPrescription  = "taxonomyTerms/nature-on-prescription"
	TermStorytellingCircle    = "taxonomyTerms/storytelling-circle"
	TermMusicAndDance         = "taxonomyTerms/music-and-dance"
	TermPhotographyWalk       = "taxonomyTerms/photography-walk"
	TermCommunityGardening    = "taxonomyTerms/community-gardening"
	TermCultureOnPrescription = "taxonomyTerms/culture-on-prescription"
	TermOutdoorPicnic         = "taxonomyTerms/outdoor-picnic"
	TermCommunityService      = "taxonomyTerms/community-service"
)

// Programme taxonomy terms.
const (
	TermFriendlyCalls       = "taxonomyTerms/friendly-calls"
	TermMealDelivery        = "taxonomyTerms/meal-delivery"
	TermTransportation      = "taxonomyTerms/transportation"
	TermHealthEquipmentLoan = "taxonomyTerms/health-equipment-loan"
	TermSocialPrescribing   = "taxonomyTerms/social-prescribing"
)

// Organizations: five community health centres (member centres) and two community partners.
const (
	OrgRiverdaleCHC    = "organizations/riverdale-chc"
	OrgAlbionCHC       = "organizations/albion-heights-chc"
	OrgRideauVanierCHC = "organizations/rideau-vanier-chc"
	OrgCrownPointCHC   = "organizations/crown-point-chc"
	OrgPortArthurCHC   = "organizations/port-arthur-chc"
	OrgGoodNeighbours  = "organizations/good-neighbours-seniors"
	OrgHamiltonFood    = "organizations/hamilton-food-network"
)

// Locations.
const (
	LocRiverdaleGerrard     = "locations/riverdale-chc-gerrard"
	LocRiverdaleParkEast    = "locations/riverdale-park-east"
	LocAlbionHeights        = "locations/albion-heights-chc-main"
	LocRideauVanierMontreal = "locations/rideau-vanier-chc-montreal-road"
	LocCrownPointBarton     = "locations/crown-point-chc-barton"
	LocPortArthurRedRiver   = "locations/port-arthur-chc-red-river"
	LocPortArthurBoulevard  = "locations/boulevard-lake-park"
	LocGoodNeighboursPape   = "locations/good-neighbours-pape"
	LocGoodNeighboursPhone  = "locations/good-neighbours-phone-line"
	LocHamiltonFoodJamesN   = "locations/hamilton-food-network-james-north"
	LocGageParkGarden       = "locations/gage-park-community-garden"
)

// Services.
const (
	SvcRiverdaleLinkWorker    = "services/riverdale-link-worker"
	SvcAlbionLinkWorker       = "services/albion-heights-link-worker"
	SvcRideauVanierLinkWorker = "services/rideau-vanier-link-worker"
	SvcCrownPointLinkWorker   = "services/crown-point-link-worker"
	SvcPortArthurLinkWorker   = "services/port-arthur-link-worker"
	SvcFriendlyCalls          = "services/good-neighbours-friendly-calls"
	SvcTransportation         = "services/good-neighbours-rides"
	SvcVolunteerTogether      = "services/good-neighbours-volunteer-together"
	SvcMealDelivery           = "services/hamilton-meals-on-the-move"
	SvcCommunityGarden        = "services/gage-park-community-garden"
	SvcOutdoorPicnics         = "services/gage-park-summer-picnics"
	SvcHealthEquipmentLoan    = "services/port-arthur-equipment-loan"
	SvcWalkingGroup           = "services/boulevard-lake-walking-group"
	SvcCulturePass            = "services/port-arthur-culture-pass"
	SvcArtStudio              = "services/riverdale-open-art-studio"
	SvcPhotographyWalk        = "services/riverdale-photography-walk"
	SvcCookingClass           = "services/albion-heights-community-kitchen"
	SvcStorytellingCircle     = "services/rideau-vanier-storytelling-circle"
	SvcMusicAndMovement       = "services/crown-point-music-and-movement"
)

// Practitioners: one link worker at each community health centre.
const (
	LinkWorkerRiverdale    = "practitioners/anneliese-wong"
	LinkWorkerAlbion       = "practitioners/harpreet-grewal"
	LinkWorkerRideauVanier = "practitioners/mireille-thibodeau"
	LinkWorkerCrownPoint   = "practitioners/hodan-abdi"
	LinkWorkerPortArthur   = "practitioners/dawn-meekis"
)

// Practitioners: clinicians who issue social prescriptions.
const (
	ClinicianRiverdale  = "practitioners/tomasz-kowalczyk" // Family Physician
	ClinicianAlbion     = "practitioners/adaeze-nwosu"     // Nurse Practitioner
	ClinicianCrownPoint = "practitioners/farah-haddad"     // Family Physician
)

// Practitioners: event hosts at the community partners.
const (
	HostGoodNeighbours = "practitioners/beatriz-alvarado"
	HostHamiltonFood   = "practitioners/nimmi-fernando"
)

// Practitioners: staff who look after the network's shared data, one moderator of the public
// event listing and one administrator of the directory.
const (
	ModeratorNetwork        = "practitioners/grace-mensah"
	DirectoryAdminNetwork   = "practitioners/li-na-chen"
	PrivacyOfficerRiverdale = "practitioners/samuel-boateng"
)
