package demodata

import (
	"google.golang.org/protobuf/proto"

	directoryv1 "github.com/socialrx/socialrx/proto/socialrx/directory/v1"
)

// The demo directory, one table per kind, in load order. All names, addresses, phone numbers
// and emails are fictional; coordinates are near real neighbourhood centres.
var (
	taxonomyTerms = taxonomyTermTable()
	organizations = withFrench(organizationTable(), frenchOrganization, setOrganizationText)
	locations     = locationTable()
	services      = withFrench(serviceTable(), frenchService, setServiceText)
	practitioners = practitionerTable()
)

// Short-hands for the tables.
type (
	term         = directoryv1.TaxonomyTerm
	organization = directoryv1.Organization
	location     = directoryv1.Location
	service      = directoryv1.Service
	practitioner = directoryv1.Practitioner
	address      = directoryv1.Address
	phone        = directoryv1.Phone
	cost         = directoryv1.CostOption
)

const (
	active    = directoryv1.ServiceStatus_SERVICE_STATUS_ACTIVE
	physical  = directoryv1.LocationType_LOCATION_TYPE_PHYSICAL
	virtual   = directoryv1.LocationType_LOCATION_TYPE_VIRTUAL
	linkWork  = directoryv1.PractitionerRole_PRACTITIONER_ROLE_LINK_WORKER
	clinician = directoryv1.PractitionerRole_PRACTITIONER_ROLE_CLINICIAN
	eventHost = directoryv1.PractitionerRole_PRACTITIONER_ROLE_EVENT_HOST
	admin     = directoryv1.PractitionerRole_PRACTITIONER_ROLE_ADMIN
)

// free is the cost of a service that costs nothing.
func free() *cost { return &cost{Free: true} }

// voice is a single voice line.
func voice(number string) []*phone { return []*phone{{Number: number, Type: "voice"}} }

// onAddress is a street address in Ontario, Canada.
func onAddress(line1, city, postal string) *address {
	return &address{Address_1: line1, City: city, Region: "ON", PostalCode: postal, Country: "CA"}
}

// taxonomyTermTable is the activity taxonomy (the ten Human Connection event kinds) and the
// programme taxonomy.
func taxonomyTermTable() []*term {
	activity := func(name, code, display, desc string) *term {
		return &term{Name: name, Code: code, DisplayName: display, Description: desc, Taxonomy: TaxonomyActivity, Language: "en"}
	}
	programme := func(name, code, display, desc string) *term {
		return &term{Name: name, Code: code, DisplayName: display, Description: desc, Taxonomy: TaxonomyProgramme, Language: "en"}
	}
	return []*term{
		activity(TermArtOnPrescription, "art-on-prescription", "Art on prescription",
			"Hands-on creative workshops where people make art side by side and share a sense of achievement."),
		activity(TermCommunityCookingClass, "community-cooking-class", "Community Cooking Class",
			"Cooking a meal as a group, with conversation that starts over the chopping board."),
		activity(TermNatureOnPrescription, "nature-on-prescription", "Nature on prescription",
			"Time outdoors together, such as walks in parks and green spaces, bonding over what people see and do."),
		activity(TermStorytellingCircle, "storytelling-circle", "Storytelling Circle",
			"A circle where people tell stories from their own lives, building empathy and connection."),
		activity(TermMusicAndDance, "music-and-dance", "Music and Dance",
			"Learning dance steps, playing instruments together or simply having a dance party."),
		activity(TermPhotographyWalk, "photography-walk", "Photography Walk",
			"A group walk to photograph the neighbourhood, followed by sharing and talking about the pictures."),
		activity(TermCommunityGardening, "community-gardening", "Community Gardening",
			"Planting and tending a shared garden, making friends along the way."),
		activity(TermCultureOnPrescription, "culture-on-prescription", "Culture on prescription",
			"Going to local cultural events, museums and galleries together to build shared understanding."),
		activity(TermOutdoorPicnic, "outdoor-picnic", "Outdoor Picnic",
			"A relaxed picnic outside with food, stories and laughter."),
		activity(TermCommunityService, "community-service", "Community Service",
			"Volunteering as a group for a shared sense of purpose and belonging."),

		programme(TermFriendlyCalls, "friendly-calls", "Friendly calls",
			"Regular telephone check-ins and conversation with a trained volunteer for people who are isolated."),
		programme(TermMealDelivery, "meal-delivery", "Meal delivery",
			"Nutritious meals delivered to the homes of people who have trouble shopping or cooking."),
		programme(TermTransportation, "transportation", "Transportation",
			"Rides to medical appointments, errands and community activities for people who cannot travel on their own."),
		programme(TermHealthEquipmentLoan, "health-equipment-loan", "Health equipment loan",
			"Short-term loan of mobility aids and home health equipment such as walkers, wheelchairs and bath seats."),
		programme(TermSocialPrescribing, "social-prescribing", "Social prescribing (link worker support)",
			"A link worker meets the person, asks what matters to them, and connects them to community supports and activities."),
	}
}

// organizationTable is five community health centres and two community partners.
func organizationTable() []*organization {
	return []*organization{
		{
			Name:         OrgRiverdaleCHC,
			DisplayName:  "Riverdale Community Health Centre",
			Description:  "Primary care, health promotion and community programmes for Riverdale, Leslieville and Chinatown East, with a social prescribing team that connects patients to local activities.",
			Email:        "info@riverdale-chc.example.org",
			Website:      "https://riverdale-chc.example.org",
			Phones:       voice("416-555-0142"),
			MemberCentre: true,
			LegalStatus:  "non-profit corporation",
		},
		{
			Name:          OrgAlbionCHC,
			DisplayName:   "Albion Heights Community Health Centre",
			AlternateName: "Albion Heights CHC",
			Description:   "Team-based primary care and community programmes for Etobicoke North, offered in English, Punjabi, Somali, Arabic and Spanish.",
			Email:         "hello@albion-heights-chc.example.org",
			Website:       "https://albion-heights-chc.example.org",
			Phones:        voice("416-555-0187"),
			MemberCentre:  true,
			LegalStatus:   "non-profit corporation",
		},
		{
			Name:          OrgRideauVanierCHC,
			DisplayName:   "Rideau-Vanier Community Health Centre",
			AlternateName: "Centre de santé communautaire Rideau-Vanier",
			Description:   "A bilingual community health centre serving Vanier and Overbrook in Ottawa, with primary care, seniors' programmes and social prescribing in French and English.",
			Email:         "accueil@rideau-vanier-chc.example.org",
			Website:       "https://rideau-vanier-chc.example.org",
			Phones:        voice("613-555-0119"),
			MemberCentre:  true,
			LegalStatus:   "non-profit corporation",
		},
		{
			Name:         OrgCrownPointCHC,
			DisplayName:  "Crown Point Community Health Centre",
			Description:  "Primary care and community wellbeing programmes for Hamilton's east end, from Crown Point to Homeside.",
			Email:        "info@crown-point-chc.example.org",
			Website:      "https://crown-point-chc.example.org",
			Phones:       voice("905-555-0163"),
			MemberCentre: true,
			LegalStatus:  "non-profit corporation",
		},
		{
			Name:         OrgPortArthurCHC,
			DisplayName:  "Port Arthur Community Health Centre",
			Description:  "Primary care, Indigenous health and community programmes for the north side of Thunder Bay, working alongside First Nations and Métis partners.",
			Email:        "info@port-arthur-chc.example.org",
			Website:      "https://port-arthur-chc.example.org",
			Phones:       voice("807-555-0134"),
			MemberCentre: true,
			LegalStatus:  "non-profit corporation",
		},
		{
			Name:          OrgGoodNeighbours,
			DisplayName:   "Good Neighbours Seniors Network",
			AlternateName: "Good Neighbours",
			Description:   "A volunteer-driven charity in east Toronto that keeps older adults connected through friendly calls, rides to appointments and volunteering together.",
			Email:         "volunteer@good-neighbours.example.org",
			Website:       "https://good-neighbours.example.org",
			Phones:        voice("416-555-0176"),
			LegalStatus:   "registered charity",
		},
		{
			Name:          OrgHamiltonFood,
			DisplayName:   "Hamilton Community Food Network",
			AlternateName: "HCFN",
			Description:   "A food security organisation that delivers meals, runs community gardens and hosts shared meals across the lower city of Hamilton.",
			Email:         "info@hamilton-food-network.example.org",
			Website:       "https://hamilton-food-network.example.org",
			Phones:        voice("905-555-0128"),
			LegalStatus:   "registered charity",
		},
	}
}

// locationTable is one or two places per organisation and one virtual (telephone) location.
func locationTable() []*location {
	return []*location{
		{
			Name:           LocRiverdaleGerrard,
			Organization:   OrgRiverdaleCHC,
			DisplayName:    "Riverdale CHC, Gerrard Street site",
			Description:    "Main clinic and programme rooms; reception is on the ground floor.",
			LocationType:   physical,
			Address:        onAddress("1012 Gerrard Street East", "Toronto", "M4M 1Z3"),
			Latitude:       proto.Float64(43.6667),
			Longitude:      proto.Float64(-79.3396),
			Accessibility:  []string{"step-free entrance", "accessible washroom", "elevator to all floors", "hearing loop at reception"},
			Languages:      []string{"en", "fr", "zh", "yue", "vi"},
			Transportation: "506 Carlton streetcar stops at Carlaw Avenue; bicycle parking at the front. Limited paid street parking.",
		},
		{
			Name:           LocRiverdaleParkEast,
			Organization:   OrgRiverdaleCHC,
			DisplayName:    "Riverdale Park East meeting point",
			Description:    "Outdoor programmes meet at the benches near the Broadview Avenue entrance.",
			LocationType:   physical,
			Address:        onAddress("Riverdale Park East, Broadview Avenue at Riverdale Avenue", "Toronto", "M4K 2N6"),
			Latitude:       proto.Float64(43.6708),
			Longitude:      proto.Float64(-79.3546),
			Accessibility:  []string{"paved paths near the entrance", "benches along the path", "steep slopes further into the park"},
			Languages:      []string{"en", "zh"},
			Transportation: "504 King streetcar on Broadview Avenue; Broadview subway station is a 10-minute walk north.",
		},
		{
			Name:           LocAlbionHeights,
			Organization:   OrgAlbionCHC,
			DisplayName:    "Albion Heights CHC",
			Description:    "Clinic on the second floor with a community kitchen and group room on the ground floor.",
			LocationType:   physical,
			Address:        onAddress("1560 Albion Road", "Toronto", "M9V 1B4"),
			Latitude:       proto.Float64(43.7421),
			Longitude:      proto.Float64(-79.5852),
			Accessibility:  []string{"step-free entrance", "accessible washroom", "elevator", "accessible parking"},
			Languages:      []string{"en", "fr", "pa", "so", "ar", "es", "ur"},
			Transportation: "TTC buses along Albion Road and Islington Avenue stop nearby; free parking in the plaza lot.",
		},
		{
			Name:           LocRideauVanierMontreal,
			Organization:   OrgRideauVanierCHC,
			DisplayName:    "Rideau-Vanier CHC, chemin de Montréal",
			Description:    "Clinic and community hall; the group room is beside the main entrance.",
			LocationType:   physical,
			Address:        onAddress("312 Montreal Road", "Ottawa", "K1L 6B9"),
			Latitude:       proto.Float64(45.4372),
			Longitude:      proto.Float64(-75.6605),
			Accessibility:  []string{"automatic doors", "step-free entrance", "accessible washroom", "large-print materials"},
			Languages:      []string{"fr", "en", "ar", "so", "ht"},
			Transportation: "OC Transpo route 12 along Montreal Road stops at the door; free parking behind the building.",
		},
		{
			Name:           LocCrownPointBarton,
			Organization:   OrgCrownPointCHC,
			DisplayName:    "Crown Point CHC, Barton Street site",
			Description:    "Storefront centre on Barton Street East with a large multipurpose room.",
			LocationType:   physical,
			Address:        onAddress("1185 Barton Street East", "Hamilton", "L8H 2V4"),
			Latitude:       proto.Float64(43.2497),
			Longitude:      proto.Float64(-79.8166),
			Accessibility:  []string{"step-free entrance", "accessible washroom", "quiet room available"},
			Languages:      []string{"en", "fr", "ar", "so", "es", "pt"},
			Transportation: "HSR route 2 Barton stops at Ottawa Street North; street parking on side streets.",
		},
		{
			Name:           LocPortArthurRedRiver,
			Organization:   OrgPortArthurCHC,
			DisplayName:    "Port Arthur CHC, Red River Road",
			Description:    "Clinic, equipment loan depot and a gathering room for group programmes.",
			LocationType:   physical,
			Address:        onAddress("210 Red River Road", "Thunder Bay", "P7B 1A6"),
			Latitude:       proto.Float64(48.4353),
			Longitude:      proto.Float64(-89.2268),
			Accessibility:  []string{"step-free entrance", "accessible washroom", "accessible parking", "loading zone for equipment pick-up"},
			Languages:      []string{"en", "fr", "oj", "cr"},
			Transportation: "Thunder Bay Transit routes along Red River Road; free parking lot with accessible spaces.",
		},
		{
			Name:           LocPortArthurBoulevard,
			Organization:   OrgPortArthurCHC,
			DisplayName:    "Boulevard Lake Park meeting point",
			Description:    "Walking groups meet by the main pavilion at the south end of the lake.",
			LocationType:   physical,
			Address:        onAddress("Boulevard Lake Park, main pavilion", "Thunder Bay", "P7A 4K8"),
			Latitude:       proto.Float64(48.4500),
			Longitude:      proto.Float64(-89.2240),
			Accessibility:  []string{"flat gravel loop trail", "benches around the lake", "accessible portable washroom in summer"},
			Languages:      []string{"en", "oj"},
			Transportation: "Thunder Bay Transit stops on Cumberland Street North; free parking at the pavilion.",
		},
		{
			Name:           LocGoodNeighboursPape,
			Organization:   OrgGoodNeighbours,
			DisplayName:    "Good Neighbours hub, Pape Avenue",
			Description:    "Volunteer office and drop-in lounge above a neighbourhood bakery.",
			LocationType:   physical,
			Address:        onAddress("1002 Pape Avenue", "Toronto", "M4K 3V9"),
			Latitude:       proto.Float64(43.6889),
			Longitude:      proto.Float64(-79.3496),
			Accessibility:  []string{"ramp at side entrance", "elevator", "accessible washroom"},
			Languages:      []string{"en", "el", "zh", "es"},
			Transportation: "TTC 25 Don Mills and 81 Thorncliffe Park buses nearby; Pape subway station is a 15-minute walk south.",
		},
		{
			Name:          LocGoodNeighboursPhone,
			Organization:  OrgGoodNeighbours,
			DisplayName:   "Good Neighbours telephone line",
			Description:   "Programmes delivered by telephone; volunteers call from home.",
			LocationType:  virtual,
			Accessibility: []string{"TTY available on request", "no internet or computer needed"},
			Languages:     []string{"en", "fr", "zh", "pa", "es", "el"},
		},
		{
			Name:           LocHamiltonFoodJamesN,
			Organization:   OrgHamiltonFood,
			DisplayName:    "Hamilton Community Food Network kitchen, James Street North",
			Description:    "Commercial teaching kitchen and meal packing room.",
			LocationType:   physical,
			Address:        onAddress("192 James Street North", "Hamilton", "L8R 2L3"),
			Latitude:       proto.Float64(43.2662),
			Longitude:      proto.Float64(-79.8668),
			Accessibility:  []string{"step-free entrance", "accessible washroom", "adjustable-height counter"},
			Languages:      []string{"en", "ar", "es", "pt"},
			Transportation: "HSR buses on James Street North; West Harbour GO station is a 5-minute walk.",
		},
		{
			Name:           LocGageParkGarden,
			Organization:   OrgHamiltonFood,
			DisplayName:    "Gage Park community garden",
			Description:    "Shared garden plots and a picnic area near the Gage Avenue entrance.",
			LocationType:   physical,
			Address:        onAddress("Gage Park, Main Street East at Gage Avenue South", "Hamilton", "L8M 1N2"),
			Latitude:       proto.Float64(43.2418),
			Longitude:      proto.Float64(-79.8291),
			Accessibility:  []string{"raised garden beds", "paved path to the plots", "accessible washroom in the park"},
			Languages:      []string{"en", "ar", "es"},
			Transportation: "HSR buses on Main Street East and King Street East; free parking off Gage Avenue.",
		},
	}
}

// linkWorkerService is the social prescribing link worker service of a community health centre.
func linkWorkerService(name, org, loc, centre, area, email, tel string, langs []string) *service {
	return &service{
		Name:         name,
		Organization: org,
		DisplayName:  "Social prescribing link worker",
		Description: "A link worker at " + centre + " meets you to talk about what matters to you, " +
			"co-designs goals with you and connects you to community activities and supports. " +
			"Follow-up calls check how things are going and whether more help is needed.",
		Email:                  email,
		Status:                 active,
		EligibilityDescription: "Adults referred by a clinician or community partner, or who refer themselves, and who feel isolated or want support with social needs.",
		MinimumAge:             18,
		Languages:              langs,
		ApplicationProcess:     "Referral from a family physician, nurse practitioner or community partner through socialrx; self-referral by phone.",
		Cost:                   free(),
		TaxonomyTerms:          []string{TermSocialPrescribing},
		Locations:              []string{loc},
		Accessibility:          []string{"home or phone visits for people who cannot travel", "interpreters on request"},
		Phones:                 voice(tel),
		ServiceAreas:           []string{area},
		ScheduleDescription:    "Weekdays 9:00-17:00; evening appointments on Tuesdays until 19:00.",
	}
}

// serviceTable is the link worker services, the four community programmes and the activity
// programmes.
func serviceTable() []*service {
	return []*service{
		linkWorkerService(SvcRiverdaleLinkWorker, OrgRiverdaleCHC, LocRiverdaleGerrard,
			"Riverdale Community Health Centre", "Toronto east end (Riverdale, Leslieville, Chinatown East)",
			"linkworker@riverdale-chc.example.org", "416-555-0143", []string{"en", "zh", "yue"}),
		linkWorkerService(SvcAlbionLinkWorker, OrgAlbionCHC, LocAlbionHeights,
			"Albion Heights Community Health Centre", "Etobicoke North",
			"linkworker@albion-heights-chc.example.org", "416-555-0188", []string{"en", "pa", "so", "ar", "es"}),
		linkWorkerService(SvcRideauVanierLinkWorker, OrgRideauVanierCHC, LocRideauVanierMontreal,
			"Rideau-Vanier Community Health Centre", "Vanier, Overbrook and Lowertown, Ottawa",
			"prescription-sociale@rideau-vanier-chc.example.org", "613-555-0120", []string{"fr", "en", "ar"}),
		linkWorkerService(SvcCrownPointLinkWorker, OrgCrownPointCHC, LocCrownPointBarton,
			"Crown Point Community Health Centre", "Hamilton east end",
			"linkworker@crown-point-chc.example.org", "905-555-0164", []string{"en", "ar", "so"}),
		linkWorkerService(SvcPortArthurLinkWorker, OrgPortArthurCHC, LocPortArthurRedRiver,
			"Port Arthur Community Health Centre", "City of Thunder Bay",
			"linkworker@port-arthur-chc.example.org", "807-555-0135", []string{"en", "oj", "cr"}),
		{
			Name:                   SvcFriendlyCalls,
			Organization:           OrgGoodNeighbours,
			DisplayName:            "Friendly calls",
			Description:            "A trained volunteer phones you once or twice a week for a chat at a time that suits you. Calls are matched by language and interests, and volunteers can share information about local activities.",
			Url:                    "https://good-neighbours.example.org/friendly-calls",
			Email:                  "calls@good-neighbours.example.org",
			Status:                 active,
			EligibilityDescription: "Older adults in Toronto who live alone or feel lonely; a caregiver or link worker may refer.",
			MinimumAge:             55,
			Languages:              []string{"en", "fr", "zh", "pa", "es", "el"},
			ApplicationProcess:     "Call the intake line or be referred by a link worker; a short intake call sets up your match.",
			Cost:                   free(),
			TaxonomyTerms:          []string{TermFriendlyCalls},
			Locations:              []string{LocGoodNeighboursPhone},
			Accessibility:          []string{"by telephone", "TTY available", "no internet needed"},
			Phones:                 voice("416-555-0177"),
			ServiceAreas:           []string{"City of Toronto"},
			ScheduleDescription:    "Calls Monday to Saturday 10:00-20:00, once or twice a week.",
		},
		{
			Name:                   SvcTransportation,
			Organization:           OrgGoodNeighbours,
			DisplayName:            "Rides to appointments",
			Description:            "Volunteer drivers take older adults to medical appointments, the pharmacy and community activities, and wait to bring them home. Drivers are screened and can help with a walker or folding wheelchair.",
			Url:                    "https://good-neighbours.example.org/rides",
			Email:                  "rides@good-neighbours.example.org",
			Status:                 active,
			EligibilityDescription: "Older adults or adults with a disability in east Toronto who cannot use public transit on their own.",
			MinimumAge:             55,
			Languages:              []string{"en", "el", "zh"},
			ApplicationProcess:     "Register by phone, then book rides at least three business days ahead.",
			Cost: &cost{
				AmountMinor: 500,
				Currency:    "CAD",
				Description: "$5 per return trip within east Toronto; waived for anyone who cannot pay.",
			},
			TaxonomyTerms:       []string{TermTransportation},
			Locations:           []string{LocGoodNeighboursPape},
			Accessibility:       []string{"help with walkers and folding wheelchairs", "door-to-door support"},
			Phones:              voice("416-555-0178"),
			ServiceAreas:        []string{"East York", "Riverdale", "Leslieville", "The Danforth"},
			ScheduleDescription: "Rides on weekdays 8:00-17:00; book three business days ahead.",
		},
		{
			Name:                   SvcVolunteerTogether,
			Organization:           OrgGoodNeighbours,
			DisplayName:            "Volunteer together",
			Description:            "Small groups of neighbours volunteer side by side: packing grocery hampers, delivering holiday cards and tidying local parks. It is a way to feel useful, meet people and give back.",
			Url:                    "https://good-neighbours.example.org/volunteer-together",
			Email:                  "volunteer@good-neighbours.example.org",
			Status:                 active,
			EligibilityDescription: "Anyone who would like to volunteer with others; tasks are matched to ability.",
			MinimumAge:             16,
			Languages:              []string{"en", "el", "es"},
			ApplicationProcess:     "Drop in to an orientation on the first Monday of the month or be referred by a link worker.",
			Cost:                   free(),
			TaxonomyTerms:          []string{TermCommunityService},
			Locations:              []string{LocGoodNeighboursPape},
			Accessibility:          []string{"seated tasks available", "elevator"},
			ServiceAreas:           []string{"City of Toronto"},
			ScheduleDescription:    "Wednesdays and Saturdays 10:00-12:30.",
		},
		{
			Name:                   SvcMealDelivery,
			Organization:           OrgHamiltonFood,
			DisplayName:            "Meals on the Move",
			Description:            "Hot and frozen meals, cooked in our James Street North kitchen, are delivered to your door by volunteers. Menus respect halal, vegetarian and diabetic diets, and drivers stay for a short friendly check-in.",
			Url:                    "https://hamilton-food-network.example.org/meals",
			Email:                  "meals@hamilton-food-network.example.org",
			Status:                 active,
			EligibilityDescription: "Older adults, people with a disability or people recovering from illness in the lower city of Hamilton who have trouble shopping or cooking.",
			MinimumAge:             18,
			Languages:              []string{"en", "ar", "es", "pt"},
			ApplicationProcess:     "Referral by a link worker, clinician or family member; self-referral by phone.",
			Cost: &cost{
				Free:        true,
				Description: "Free; donations welcome.",
			},
			TaxonomyTerms:       []string{TermMealDelivery},
			Locations:           []string{LocHamiltonFoodJamesN},
			Accessibility:       []string{"delivery to the door", "halal, vegetarian and diabetic menus"},
			Phones:              voice("905-555-0129"),
			ServiceAreas:        []string{"City of Hamilton (lower city)"},
			ScheduleDescription: "Deliveries Monday, Wednesday and Friday between 11:00 and 13:30.",
		},
		{
			Name:                   SvcCommunityGarden,
			Organization:           OrgHamiltonFood,
			DisplayName:            "Gage Park community garden",
			Description:            "Grow vegetables and herbs in shared raised beds with neighbours and an experienced garden mentor. Part of each harvest goes to the meal programme.",
			Url:                    "https://hamilton-food-network.example.org/garden",
			Email:                  "garden@hamilton-food-network.example.org",
			Status:                 active,
			EligibilityDescription: "Everyone welcome; no gardening experience needed.",
			Languages:              []string{"en", "ar", "es"},
			ApplicationProcess:     "Drop in or be referred by a link worker.",
			Cost:                   free(),
			TaxonomyTerms:          []string{TermCommunityGardening, TermNatureOnPrescription},
			Locations:              []string{LocGageParkGarden},
			Accessibility:          []string{"raised beds at seated height", "tools provided"},
			ServiceAreas:           []string{"City of Hamilton"},
			ScheduleDescription:    "Saturdays 9:30-11:30 and Tuesdays 18:00-20:00, May to October.",
		},
		{
			Name:                   SvcOutdoorPicnics,
			Organization:           OrgHamiltonFood,
			DisplayName:            "Summer community picnics",
			Description:            "Monthly picnics in Gage Park with food from the garden, lawn games and music. Bring a friend or come on your own and meet people.",
			Url:                    "https://hamilton-food-network.example.org/picnics",
			Email:                  "info@hamilton-food-network.example.org",
			Status:                 active,
			EligibilityDescription: "Everyone welcome, including children with an adult.",
			Languages:              []string{"en", "ar", "es"},
			ApplicationProcess:     "No registration needed; link workers can arrange a volunteer buddy.",
			Cost:                   free(),
			TaxonomyTerms:          []string{TermOutdoorPicnic},
			Locations:              []string{LocGageParkGarden},
			Accessibility:          []string{"shaded seating", "paved path from the parking lot"},
			ServiceAreas:           []string{"City of Hamilton"},
			ScheduleDescription:    "Last Sunday of the month, 12:00-15:00, June to September.",
		},
		{
			Name:                   SvcHealthEquipmentLoan,
			Organization:           OrgPortArthurCHC,
			DisplayName:            "Health equipment loan",
			Description:            "Borrow walkers, wheelchairs, canes, bath seats and raised toilet seats for up to three months while you recover or wait for your own. Staff show you how to use and adjust the equipment.",
			Url:                    "https://port-arthur-chc.example.org/equipment-loan",
			Email:                  "equipment@port-arthur-chc.example.org",
			Status:                 active,
			EligibilityDescription: "Residents of Thunder Bay and nearby communities with a short-term need for mobility or home health equipment.",
			Languages:              []string{"en", "fr", "oj", "cr"},
			ApplicationProcess:     "Call ahead to check availability; a note from a clinician helps but is not required.",
			Cost: &cost{
				Free:        true,
				Description: "Free loan; a refundable deposit may be asked for larger items.",
			},
			TaxonomyTerms:       []string{TermHealthEquipmentLoan},
			Locations:           []string{LocPortArthurRedRiver},
			Accessibility:       []string{"loading zone for pick-up", "delivery for people without transport"},
			Phones:              voice("807-555-0136"),
			ServiceAreas:        []string{"City of Thunder Bay", "Thunder Bay District"},
			ScheduleDescription: "Pick-up and return Monday to Friday 9:00-16:00.",
		},
		{
			Name:                   SvcWalkingGroup,
			Organization:           OrgPortArthurCHC,
			DisplayName:            "Boulevard Lake walking group",
			Description:            "A gentle, guided walk around Boulevard Lake at an easy pace, finishing with tea at the pavilion. Walkers share what they notice along the way and get to know each other.",
			Email:                  "programs@port-arthur-chc.example.org",
			Status:                 active,
			EligibilityDescription: "Adults who can walk for about 30 minutes with rests; walking aids welcome.",
			MinimumAge:             18,
			Languages:              []string{"en", "oj"},
			ApplicationProcess:     "Drop in or be referred by a link worker.",
			Cost:                   free(),
			TaxonomyTerms:          []string{TermNatureOnPrescription},
			Locations:              []string{LocPortArthurBoulevard},
			Accessibility:          []string{"flat gravel trail", "rest stops on benches", "walking poles to borrow"},
			ServiceAreas:           []string{"City of Thunder Bay"},
			ScheduleDescription:    "Thursdays 10:00-11:30, year round; snowshoes lent in winter.",
		},
		{
			Name:                   SvcCulturePass,
			Organization:           OrgPortArthurCHC,
			DisplayName:            "Culture pass",
			Description:            "Monthly outings with a peer guide to local galleries, museums, concerts and community cultural events, with free admission for participants. Outings end with a chat over coffee about what people saw and heard.",
			Email:                  "programs@port-arthur-chc.example.org",
			Status:                 active,
			EligibilityDescription: "Adults referred by a link worker who would like to explore culture with others.",
			MinimumAge:             18,
			Languages:              []string{"en", "oj", "cr"},
			ApplicationProcess:     "Referral by a Port Arthur CHC link worker.",
			Cost:                   free(),
			TaxonomyTerms:          []string{TermCultureOnPrescription},
			Locations:              []string{LocPortArthurRedRiver},
			Accessibility:          []string{"accessible venues chosen", "transit tickets provided"},
			ServiceAreas:           []string{"City of Thunder Bay"},
			ScheduleDescription:    "One outing a month; dates shared by the link worker.",
		},
		{
			Name:                   SvcArtStudio,
			Organization:           OrgRiverdaleCHC,
			DisplayName:            "Open art studio",
			Description:            "A relaxed weekly studio with painting, collage and clay, led by a community artist. Everyone works on their own piece alongside others and the group shows its work twice a year.",
			Url:                    "https://riverdale-chc.example.org/art-studio",
			Email:                  "programs@riverdale-chc.example.org",
			Status:                 active,
			EligibilityDescription: "Adults referred through social prescribing or registered with the centre; no art experience needed.",
			MinimumAge:             18,
			Languages:              []string{"en", "zh"},
			ApplicationProcess:     "Referral by a link worker or clinician; call to join the wait list if the studio is full.",
			Cost:                   free(),
			TaxonomyTerms:          []string{TermArtOnPrescription},
			Locations:              []string{LocRiverdaleGerrard},
			Accessibility:          []string{"elevator", "adapted brushes and tools", "seated work tables"},
			ServiceAreas:           []string{"Toronto east end"},
			ScheduleDescription:    "Wednesdays 13:30-15:30.",
		},
		{
			Name:                   SvcPhotographyWalk,
			Organization:           OrgRiverdaleCHC,
			DisplayName:            "Photography walk",
			Description:            "A slow walk through Riverdale Park East taking photos with phones or lent cameras, followed by sharing the best shots over tea. Paused for the winter while the volunteer lead is away.",
			Email:                  "programs@riverdale-chc.example.org",
			Status:                 directoryv1.ServiceStatus_SERVICE_STATUS_TEMPORARILY_CLOSED,
			EligibilityDescription: "Adults who can walk about a kilometre with rests.",
			MinimumAge:             18,
			Languages:              []string{"en", "zh"},
			ApplicationProcess:     "Referral by a link worker; self-referral by email.",
			Cost:                   free(),
			TaxonomyTerms:          []string{TermPhotographyWalk, TermNatureOnPrescription},
			Locations:              []string{LocRiverdaleParkEast},
			Accessibility:          []string{"cameras to borrow", "short route on paved paths"},
			ServiceAreas:           []string{"Toronto east end"},
			ScheduleDescription:    "Saturdays 10:00-11:30, April to November; resumes in April.",
		},
		{
			Name:                   SvcCookingClass,
			Organization:           OrgAlbionCHC,
			DisplayName:            "Community kitchen",
			Description:            "Cook a healthy, budget-friendly meal together and then share it around one table. Recipes come from participants' own traditions, from Punjabi dal to Somali bariis.",
			Url:                    "https://albion-heights-chc.example.org/community-kitchen",
			Email:                  "programs@albion-heights-chc.example.org",
			Status:                 active,
			EligibilityDescription: "Adults living in Etobicoke North; families welcome at the monthly family session.",
			MinimumAge:             16,
			Languages:              []string{"en", "pa", "so", "ar", "es"},
			ApplicationProcess:     "Register at reception or by phone, or be referred by a link worker.",
			Cost:                   free(),
			TaxonomyTerms:          []string{TermCommunityCookingClass},
			Locations:              []string{LocAlbionHeights},
			Accessibility:          []string{"adjustable-height counter", "halal and vegetarian ingredients"},
			Phones:                 voice("416-555-0189"),
			ServiceAreas:           []string{"Etobicoke North"},
			ScheduleDescription:    "Thursdays 10:00-13:00; family session on the first Saturday of the month.",
		},
		{
			Name:                   SvcStorytellingCircle,
			Organization:           OrgRideauVanierCHC,
			DisplayName:            "Storytelling circle",
			AlternateName:          "Cercle de contes",
			Description:            "Neighbours sit together and tell stories from their lives, in French or English, around a theme chosen by the group. Listening and being heard builds friendships across generations and cultures.",
			Email:                  "programmes@rideau-vanier-chc.example.org",
			Status:                 active,
			EligibilityDescription: "Adults who would like to share and listen to stories; no preparation needed.",
			MinimumAge:             18,
			Languages:              []string{"fr", "en"},
			ApplicationProcess:     "Drop in or be referred by a link worker.",
			Cost:                   free(),
			TaxonomyTerms:          []string{TermStorytellingCircle},
			Locations:              []string{LocRideauVanierMontreal},
			Accessibility:          []string{"step-free room", "hearing loop", "simultaneous whispered interpretation on request"},
			ServiceAreas:           []string{"Vanier and Overbrook, Ottawa"},
			ScheduleDescription:    "Second and fourth Monday of the month, 14:00-15:30.",
		},
		{
			Name:                   SvcMusicAndMovement,
			Organization:           OrgCrownPointCHC,
			DisplayName:            "Music and movement for seniors",
			Description:            "Chair-based and standing dance to music from many decades and countries, with a drumming circle once a month. Sessions finish with refreshments and time to talk.",
			Email:                  "programs@crown-point-chc.example.org",
			Status:                 active,
			EligibilityDescription: "Older adults of all fitness levels in Hamilton's east end.",
			MinimumAge:             55,
			Languages:              []string{"en", "ar", "pt"},
			ApplicationProcess:     "Drop in or be referred by a link worker.",
			Cost:                   free(),
			TaxonomyTerms:          []string{TermMusicAndDance},
			Locations:              []string{LocCrownPointBarton},
			Accessibility:          []string{"chair-based options", "step-free room", "accessible washroom"},
			ServiceAreas:           []string{"Hamilton east end"},
			ScheduleDescription:    "Tuesdays and Fridays 10:30-11:30.",
		},
	}
}

// practitionerTable is a link worker at each centre, three clinicians, two event hosts, and the
// network's event moderator and directory administrator.
func practitionerTable() []*practitioner {
	return []*practitioner{
		{Name: LinkWorkerRiverdale, Organization: OrgRiverdaleCHC, GivenName: "Anneliese", FamilyName: "Wong", Role: linkWork,
			Email: "anneliese.wong@riverdale-chc.example.org", Phone: "416-555-0144", Title: "Social Prescribing Link Worker"},
		{Name: LinkWorkerAlbion, Organization: OrgAlbionCHC, GivenName: "Harpreet", FamilyName: "Grewal", Role: linkWork,
			Email: "harpreet.grewal@albion-heights-chc.example.org", Phone: "416-555-0190", Title: "Social Prescribing Link Worker"},
		{Name: LinkWorkerRideauVanier, Organization: OrgRideauVanierCHC, GivenName: "Mireille", FamilyName: "Thibodeau", Role: linkWork,
			Email: "mireille.thibodeau@rideau-vanier-chc.example.org", Phone: "613-555-0121", Title: "Intervenante de liaison, prescription sociale"},
		{Name: LinkWorkerCrownPoint, Organization: OrgCrownPointCHC, GivenName: "Hodan", FamilyName: "Abdi", Role: linkWork,
			Email: "hodan.abdi@crown-point-chc.example.org", Phone: "905-555-0165", Title: "Social Prescribing Link Worker"},
		{Name: LinkWorkerPortArthur, Organization: OrgPortArthurCHC, GivenName: "Dawn", FamilyName: "Meekis", Role: linkWork,
			Email: "dawn.meekis@port-arthur-chc.example.org", Phone: "807-555-0137", Title: "Community Link Worker"},

		{Name: ClinicianRiverdale, Organization: OrgRiverdaleCHC, GivenName: "Tomasz", FamilyName: "Kowalczyk", Role: clinician,
			Email: "tomasz.kowalczyk@riverdale-chc.example.org", Phone: "416-555-0145", Title: "Family Physician"},
		{Name: ClinicianAlbion, Organization: OrgAlbionCHC, GivenName: "Adaeze", FamilyName: "Nwosu", Role: clinician,
			Email: "adaeze.nwosu@albion-heights-chc.example.org", Phone: "416-555-0191", Title: "Nurse Practitioner"},
		{Name: ClinicianCrownPoint, Organization: OrgCrownPointCHC, GivenName: "Farah", FamilyName: "Haddad", Role: clinician,
			Email: "farah.haddad@crown-point-chc.example.org", Phone: "905-555-0166", Title: "Family Physician"},

		{Name: HostGoodNeighbours, Organization: OrgGoodNeighbours, GivenName: "Beatriz", FamilyName: "Alvarado", Role: eventHost,
			Email: "beatriz.alvarado@good-neighbours.example.org", Phone: "416-555-0179", Title: "Volunteer Programme Coordinator"},
		{Name: HostHamiltonFood, Organization: OrgHamiltonFood, GivenName: "Nimmi", FamilyName: "Fernando", Role: eventHost,
			Email: "nimmi.fernando@hamilton-food-network.example.org", Phone: "905-555-0130", Title: "Community Food Animator"},

		{Name: ModeratorNetwork, Organization: OrgRiverdaleCHC, GivenName: "Grace", FamilyName: "Mensah", Role: admin,
			Email: "grace.mensah@riverdale-chc.example.org", Phone: "416-555-0148", Title: "Community Events Moderator"},
		{Name: DirectoryAdminNetwork, Organization: OrgAlbionCHC, GivenName: "Li Na", FamilyName: "Chen", Role: admin,
			Email: "li-na.chen@albion-heights-chc.example.org", Phone: "416-555-0193", Title: "Directory Administrator"},
	}
}
