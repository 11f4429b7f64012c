package demodata

import (
	"sort"

	"github.com/socialrx/socialrx/services/platform/auth"
)

// Account is a demo practitioner's sign-in at the development identity provider.
type Account struct {
	// Practitioner is the practitioner's resource name, the subject of their tokens.
	Practitioner string
	Name         string
	Title        string
	Organization string
	Roles        []string
}

// Staff who read impact reports and nothing personal: a centre's manager (their centre) and the
// Alliance's analyst (every centre). They sign in only; the directory does not list them.
const (
	ManagerRiverdale = "practitioners/olivia-santos"
	AnalystNetwork   = "practitioners/jean-marc-levesque"
)

// Accounts are the demo practitioners, each with the role their work needs, by role.
func Accounts() []Account {
	users := []Account{
		{ClinicianRiverdale, "Tomasz Kowalczyk", "Family Physician", OrgRiverdaleCHC, []string{auth.RoleClinician}},
		{ClinicianAlbion, "Adaeze Nwosu", "Nurse Practitioner", OrgAlbionCHC, []string{auth.RoleClinician}},
		{ClinicianCrownPoint, "Farah Haddad", "Family Physician", OrgCrownPointCHC, []string{auth.RoleClinician}},
		{LinkWorkerRiverdale, "Anneliese Wong", "Social Prescribing Link Worker", OrgRiverdaleCHC, []string{auth.RoleLinkWorker}},
		{LinkWorkerAlbion, "Harpreet Grewal", "Social Prescribing Link Worker", OrgAlbionCHC, []string{auth.RoleLinkWorker}},
		{LinkWorkerRideauVanier, "Mireille Thibodeau", "Intervenante de liaison", OrgRideauVanierCHC, []string{auth.RoleLinkWorker}},
		{LinkWorkerCrownPoint, "Hodan Abdi", "Social Prescribing Link Worker", OrgCrownPointCHC, []string{auth.RoleLinkWorker}},
		{LinkWorkerPortArthur, "Dawn Meekis", "Community Link Worker", OrgPortArthurCHC, []string{auth.RoleLinkWorker}},
		{HostGoodNeighbours, "Beatriz Alvarado", "Volunteer Programme Coordinator", OrgGoodNeighbours, []string{auth.RoleEventHost}},
		{HostHamiltonFood, "Nimmi Fernando", "Community Food Animator", OrgHamiltonFood, []string{auth.RoleEventHost}},
		{ModeratorNetwork, "Grace Mensah", "Community Events Moderator", OrgRiverdaleCHC, []string{auth.RoleModerator}},
		{DirectoryAdminNetwork, "Li Na Chen", "Directory Administrator", OrgAlbionCHC, []string{auth.RoleDirectoryAdmin}},
		{PrivacyOfficerRiverdale, "Samuel Boateng", "Privacy Officer", OrgRiverdaleCHC, []string{auth.RolePrivacyOfficer}},
		{ManagerRiverdale, "Olivia Santos", "Centre Manager", OrgRiverdaleCHC, []string{auth.RoleCentreManager}},
		{AnalystNetwork, "Jean-Marc Lévesque", "Alliance Evaluation Analyst", OrgRiverdaleCHC, []string{auth.RoleNetworkAnalyst}},
	}
	sort.SliceStable(users, func(i, j int) bool { return users[i].Roles[0] < users[j].Roles[0] })
	return users
}
