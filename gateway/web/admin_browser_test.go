package web_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/fieldmaskpb"

	"github.com/socialrx/socialrx/deploy/demodata"
	directoryv1 "github.com/socialrx/socialrx/proto/socialrx/directory/v1"
	"github.com/socialrx/socialrx/services/platform/auth"
)

// adminAPI is the directory as a directory administrator calls it, outside the browser.
func (s *referralSite) adminAPI() context.Context {
	return asIdentity(s.ctx, auth.Identity{Subject: "services/web-test", Roles: []string{auth.RoleDirectoryAdmin}})
}

// findRow opens the list of kind and follows its "Next page" links until the row of the record
// name is on the page.
func findRow(t *testing.T, ctx context.Context, base, kind, name string) string {
	t.Helper()
	id := strings.TrimPrefix(name, kind+"/")
	visit(t, ctx, base+"/admin/"+kind)
	for i := 0; i < 50; i++ {
		if eval[bool](t, ctx, `!!document.getElementById(`+jsString("row-"+id)+`)`) {
			if i > 0 {
				t.Logf("/admin/%s lists %s on page %d", kind, name, i+1)
			}
			return id
		}
		if !eval[bool](t, ctx, `!!document.getElementById("next-page")`) {
			break
		}
		follow(t, ctx, "#next-page")
	}
	t.Fatalf("no page of /admin/%s lists %s", kind, name)
	return ""
}

// submitByKeyboard presses Enter in the focused field and waits for the page the form leads to.
func submitByKeyboard(t *testing.T, ctx context.Context) {
	t.Helper()
	if _, err := chromedp.Run(ctx, chromedp.WaitEvent(page.LoadEventFired, nil, chromedp.KeyEvent("\r"))); err != nil {
		t.Fatalf("press Enter: %v", err)
	}
	do(t, ctx, chromedp.WaitReady(chromedp.CSS("body")))
	checkCSP(t, ctx)
}

func check(t *testing.T, ctx context.Context, name, value string) {
	t.Helper()
	if !eval[bool](t, ctx, `(() => { const c = document.querySelector('input[name=`+jsString(name)+`][value=`+jsString(value)+`]');
		if (!c) return false; c.checked = true; return true })()`) {
		t.Fatalf("no checkbox %s for %s", name, value)
	}
}

// A directory administrator builds a programme in the browser: an organisation, a location with
// coordinates (an impossible latitude first comes back beside its field and stores nothing), a
// taxonomy term typed with the keyboard only, and the programme linking them; edits its
// description, and an edit over someone else's shows their version; deleting the organisation
// while its programme exists is refused with the reason, then the records go one by one. A
// practitioner is edited and deleted too.
func TestBrowserDirectoryAdmin(t *testing.T) {
	s := startReferralSite(t)
	api := s.adminAPI()
	ctx := newBrowser(t)
	viewport(t, ctx, 1280, 900)
	actAs(t, ctx, s.base, demodata.DirectoryAdminNetwork)

	// The organisation.
	visit(t, ctx, s.base+"/admin/organizations")
	if got := text(t, ctx, "h1"); got != "Organisations" {
		t.Fatalf("organisations heading: %q", got)
	}
	checkA11y(t, ctx, "admin organisations")
	follow(t, ctx, "#new-record")
	checkA11y(t, ctx, "admin new organisation")
	setField(t, ctx, "d_display_name", "Riverside Seniors Circle")
	setField(t, ctx, "d_email", "hello@riverside.example")
	follow(t, ctx, "#save")
	if got := text(t, ctx, "#flash"); got != "Saved: Riverside Seniors Circle" {
		t.Fatalf("the confirmation after saving: %q", got)
	}
	org := byDisplayName(t, s, api, "organizations", "Riverside Seniors Circle")
	orgID := findRow(t, ctx, s.base, "organizations", org)
	screenshots(t, ctx, "admin-organizations")

	// A location at an impossible latitude is refused beside the field, then stored.
	visit(t, ctx, s.base+"/admin/locations/new")
	checkA11y(t, ctx, "admin new location")
	setField(t, ctx, "d_display_name", "Riverside Library, room 2")
	setField(t, ctx, "d_org", org)
	setField(t, ctx, "d_city", "Toronto")
	setField(t, ctx, "d_latitude", "123.4")
	setField(t, ctx, "d_longitude", "-79.36")
	follow(t, ctx, "#save")
	if got := text(t, ctx, "#d_latitude-error"); got != "Enter a latitude between -90 and 90, for example 43.67, with a longitude." {
		t.Fatalf("a bad latitude: %q", got)
	}
	if got := eval[string](t, ctx, `document.getElementById("d_display_name").value`); got != "Riverside Library, room 2" {
		t.Fatalf("the refused form lost what was typed: %q", got)
	}
	if n := countOf(t, s, api, "locations", "Riverside Library, room 2"); n != 0 {
		t.Fatalf("a refused location was stored (%d)", n)
	}
	checkA11y(t, ctx, "admin new location: bad latitude")
	setField(t, ctx, "d_latitude", "43.6629")
	follow(t, ctx, "#save")
	if got := text(t, ctx, "#flash"); got != "Saved: Riverside Library, room 2" {
		t.Fatalf("the confirmation after saving the location: %q", got)
	}
	checkA11y(t, ctx, "admin locations, with the confirmation")
	loc := byDisplayName(t, s, api, "locations", "Riverside Library, room 2")
	got, err := s.directory.GetLocation(api, &directoryv1.GetLocationRequest{Name: loc})
	if err != nil || got.GetLatitude() != 43.6629 || got.GetLongitude() != -79.36 || got.GetOrganization() != org {
		t.Fatalf("the location stored: %v %v", got, err)
	}

	// The taxonomy term, with the keyboard only: Tab to each field, type, Enter.
	visit(t, ctx, s.base+"/admin/taxonomyTerms/new")
	checkA11y(t, ctx, "admin new taxonomy term")
	tabTo(t, ctx, "d_display_name")
	do(t, ctx, chromedp.KeyEvent("Intergenerational gardening"))
	do(t, ctx, chromedp.KeyEvent("\t"))
	if id := eval[string](t, ctx, `document.activeElement.id`); id != "d_code" {
		t.Fatalf("Tab after the name went to %q", id)
	}
	do(t, ctx, chromedp.KeyEvent("intergenerational-gardening"))
	do(t, ctx, chromedp.KeyEvent("\t"))
	do(t, ctx, chromedp.KeyEvent("socialrx-activity"))
	submitByKeyboard(t, ctx)
	if got := text(t, ctx, "h1"); got != "Taxonomy terms" {
		t.Fatalf("after the keyboard-only term: %q", got)
	}
	checkA11y(t, ctx, "admin taxonomy terms")
	term := byDisplayName(t, s, api, "taxonomyTerms", "Intergenerational gardening")

	// The programme linking them.
	visit(t, ctx, s.base+"/admin/services/new")
	checkA11y(t, ctx, "admin new programme")
	setField(t, ctx, "d_display_name", "Garden mornings")
	setField(t, ctx, "d_org", org)
	setField(t, ctx, "d_description", "Planting with neighbours of every age.")
	setField(t, ctx, "d_languages", "en, fr")
	check(t, ctx, "d_terms", term)
	check(t, ctx, "d_locations", loc)
	follow(t, ctx, "#save")
	checkA11y(t, ctx, "admin programmes")
	svc := byDisplayName(t, s, api, "services", "Garden mornings")
	stored, err := s.directory.GetService(api, &directoryv1.GetServiceRequest{Name: svc})
	if err != nil || stored.GetOrganization() != org || strings.Join(stored.GetTaxonomyTerms(), ",") != term ||
		strings.Join(stored.GetLocations(), ",") != loc || strings.Join(stored.GetLanguages(), ",") != "en,fr" {
		t.Fatalf("the programme stored: %v %v", stored, err)
	}

	// Its description edited; the API sees the change.
	svcID := findRow(t, ctx, s.base, "services", svc)
	follow(t, ctx, "#edit-"+cssID(svcID))
	if got := text(t, ctx, "h1"); got != "Edit the programme" {
		t.Fatalf("edit heading: %q", got)
	}
	checkA11y(t, ctx, "admin edit programme")
	screenshots(t, ctx, "admin-edit-programme")
	setField(t, ctx, "d_description", "Planting and harvesting with neighbours of every age.")
	follow(t, ctx, "#save")
	stored, err = s.directory.GetService(api, &directoryv1.GetServiceRequest{Name: svc})
	if err != nil || stored.GetDescription() != "Planting and harvesting with neighbours of every age." {
		t.Fatalf("the edited description through the API: %q %v", stored.GetDescription(), err)
	}
	if strings.Join(stored.GetLocations(), ",") != loc || strings.Join(stored.GetTaxonomyTerms(), ",") != term {
		t.Fatalf("the edit changed what it did not show as changed: %v", stored)
	}

	// Someone changes it through the API while the form is open: saving shows their version.
	visit(t, ctx, s.base+"/admin/services/"+svcID)
	if _, err := s.directory.UpdateService(api, &directoryv1.UpdateServiceRequest{
		Service:    &directoryv1.Service{Name: svc, Description: "Changed by a colleague meanwhile."},
		UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"description"}}}); err != nil {
		t.Fatal(err)
	}
	setField(t, ctx, "d_description", "My version, typed over an old one.")
	follow(t, ctx, "#save")
	if got := text(t, ctx, "#errors"); !strings.Contains(got, "Someone changed this at the same time. Here is the latest version") {
		t.Fatalf("a stale edit: %q", got)
	}
	if got := eval[string](t, ctx, `document.getElementById("d_description").value`); got != "Changed by a colleague meanwhile." {
		t.Fatalf("the stale edit's form shows %q, not the newer version", got)
	}
	checkA11y(t, ctx, "admin edit programme: changed meanwhile")
	stored, _ = s.directory.GetService(api, &directoryv1.GetServiceRequest{Name: svc})
	if stored.GetDescription() != "Changed by a colleague meanwhile." {
		t.Fatalf("a stale edit was stored: %q", stored.GetDescription())
	}
	// Saving the form again, now of the latest version, works.
	setField(t, ctx, "d_description", "My version, on the latest one.")
	follow(t, ctx, "#save")
	stored, _ = s.directory.GetService(api, &directoryv1.GetServiceRequest{Name: svc})
	if stored.GetDescription() != "My version, on the latest one." {
		t.Fatalf("saving the newer version: %q", stored.GetDescription())
	}

	// The list goes a page at a time: with more terms than a page holds, the pages together list
	// each term once.
	for i := 0; i < 25; i++ {
		if _, err := s.directory.CreateTaxonomyTerm(api, &directoryv1.CreateTaxonomyTermRequest{TaxonomyTerm: &directoryv1.TaxonomyTerm{
			Code: fmt.Sprintf("paging-%02d", i), DisplayName: fmt.Sprintf("Paging term %02d", i), Taxonomy: "socialrx-test"}}); err != nil {
			t.Fatal(err)
		}
	}
	all, err := s.directory.ListTaxonomyTerms(api, &directoryv1.ListTaxonomyTermsRequest{PageSize: 1000})
	if err != nil {
		t.Fatal(err)
	}
	visit(t, ctx, s.base+"/admin/taxonomyTerms")
	seen, pages := map[string]bool{}, 1
	for {
		for _, id := range eval[[]string](t, ctx, `[...document.querySelectorAll("table.admin-list tbody tr")].map(r => r.id)`) {
			if seen[id] {
				t.Fatalf("%s listed twice", id)
			}
			seen[id] = true
		}
		if !eval[bool](t, ctx, `!!document.getElementById("next-page")`) {
			break
		}
		follow(t, ctx, "#next-page")
		pages++
		if pages == 2 {
			if got := text(t, ctx, "#first-page"); got != "First page" {
				t.Fatalf("a later page's link back: %q", got)
			}
			checkA11y(t, ctx, "admin taxonomy terms, page 2")
		}
	}
	if pages < 2 || len(seen) != len(all.GetTaxonomyTerms()) {
		t.Fatalf("%d pages listed %d of the %d terms", pages, len(seen), len(all.GetTaxonomyTerms()))
	}

	// A practitioner of the organisation, added, edited and deleted.
	visit(t, ctx, s.base+"/admin/practitioners/new")
	checkA11y(t, ctx, "admin new practitioner")
	setField(t, ctx, "d_given", "Amara")
	setField(t, ctx, "d_family", "Okafor")
	setField(t, ctx, "d_org", org)
	setField(t, ctx, "d_role", "EVENT_HOST")
	follow(t, ctx, "#save")
	checkA11y(t, ctx, "admin practitioners")
	pr := practitionerNamed(t, s, api, "Amara", "Okafor")
	prID := findRow(t, ctx, s.base, "practitioners", pr)
	follow(t, ctx, "#edit-"+cssID(prID))
	setField(t, ctx, "d_family", "Okafor-Reid")
	setField(t, ctx, "d_email", "not an email")
	follow(t, ctx, "#save")
	if got := text(t, ctx, "#d_email-error"); got != "Enter an email address like name@example.org." {
		t.Fatalf("a practitioner's bad email: %q", got)
	}
	checkA11y(t, ctx, "admin edit practitioner: bad email")
	setField(t, ctx, "d_email", "amara@riverside.example")
	follow(t, ctx, "#save")
	p, err := s.directory.GetPractitioner(api, &directoryv1.GetPractitionerRequest{Name: pr})
	if err != nil || p.GetFamilyName() != "Okafor-Reid" || p.GetEmail() != "amara@riverside.example" {
		t.Fatalf("the edited practitioner: %v %v", p, err)
	}
	findRow(t, ctx, s.base, "practitioners", pr)
	follow(t, ctx, "#delete-"+cssID(prID))
	if _, err := s.directory.GetPractitioner(api, &directoryv1.GetPractitionerRequest{Name: pr}); status.Code(err) != codes.NotFound {
		t.Fatalf("the deleted practitioner: %v", err)
	}

	// The organisation cannot go while its programme and location refer to it.
	findRow(t, ctx, s.base, "organizations", org)
	follow(t, ctx, "#delete-"+cssID(orgID))
	if got := text(t, ctx, "#errors"); !strings.Contains(got, "This cannot be deleted while other directory records refer to it") {
		t.Fatalf("deleting a referenced organisation: %q", got)
	}
	checkA11y(t, ctx, "admin organisations: delete refused")
	if _, err := s.directory.GetOrganization(api, &directoryv1.GetOrganizationRequest{Name: org}); err != nil {
		t.Fatalf("the refused delete removed the organisation: %v", err)
	}
	// In French, the refusal reads in French.
	acceptLanguage(t, ctx, "fr-CA,fr;q=0.9")
	findRow(t, ctx, s.base, "organizations", org)
	follow(t, ctx, "#delete-"+cssID(orgID))
	if got := text(t, ctx, "#errors"); !strings.Contains(got, "Impossible de supprimer ceci tant que d’autres enregistrements") {
		t.Fatalf("deleting a referenced organisation, in French: %q", got)
	}
	checkA11y(t, ctx, "admin organisations: delete refused, in French")
	acceptLanguage(t, ctx, "en-CA,en;q=0.9")

	// The programme, the location, the term, then the organisation.
	for _, rec := range []struct{ kind, name string }{{"services", svc}, {"locations", loc}, {"taxonomyTerms", term}, {"organizations", org}} {
		id := findRow(t, ctx, s.base, rec.kind, rec.name)
		follow(t, ctx, "#delete-"+cssID(id))
		if eval[bool](t, ctx, `!!document.getElementById("errors")`) {
			t.Fatalf("deleting %s: %s", rec.name, text(t, ctx, "#errors"))
		}
	}
	if _, err := s.directory.GetOrganization(api, &directoryv1.GetOrganizationRequest{Name: org}); status.Code(err) != codes.NotFound {
		t.Fatalf("the deleted organisation: %v", err)
	}
	if _, err := s.directory.GetService(api, &directoryv1.GetServiceRequest{Name: svc}); status.Code(err) != codes.NotFound {
		t.Fatalf("the deleted programme: %v", err)
	}
}

// cssID escapes a record id for a CSS id selector.
func cssID(id string) string { return strings.NewReplacer(".", `\.`, ":", `\:`).Replace(id) }

// byDisplayName is the resource name of the one record of kind with that display name.
func byDisplayName(t *testing.T, s *referralSite, api context.Context, kind, display string) string {
	t.Helper()
	names := namesOf(t, s, api, kind, display)
	if len(names) != 1 {
		t.Fatalf("%d %s named %q", len(names), kind, display)
	}
	return names[0]
}

func countOf(t *testing.T, s *referralSite, api context.Context, kind, display string) int {
	t.Helper()
	return len(namesOf(t, s, api, kind, display))
}

func namesOf(t *testing.T, s *referralSite, api context.Context, kind, display string) []string {
	t.Helper()
	var out []string
	var err error
	switch kind {
	case "organizations":
		var r *directoryv1.ListOrganizationsResponse
		r, err = s.directory.ListOrganizations(api, &directoryv1.ListOrganizationsRequest{PageSize: 1000})
		for _, x := range r.GetOrganizations() {
			if x.GetDisplayName() == display {
				out = append(out, x.GetName())
			}
		}
	case "locations":
		var r *directoryv1.ListLocationsResponse
		r, err = s.directory.ListLocations(api, &directoryv1.ListLocationsRequest{PageSize: 1000})
		for _, x := range r.GetLocations() {
			if x.GetDisplayName() == display {
				out = append(out, x.GetName())
			}
		}
	case "taxonomyTerms":
		var r *directoryv1.ListTaxonomyTermsResponse
		r, err = s.directory.ListTaxonomyTerms(api, &directoryv1.ListTaxonomyTermsRequest{PageSize: 1000})
		for _, x := range r.GetTaxonomyTerms() {
			if x.GetDisplayName() == display {
				out = append(out, x.GetName())
			}
		}
	case "services":
		var r *directoryv1.ListServicesResponse
		r, err = s.directory.ListServices(api, &directoryv1.ListServicesRequest{PageSize: 1000})
		for _, x := range r.GetServices() {
			if x.GetDisplayName() == display {
				out = append(out, x.GetName())
			}
		}
	}
	if err != nil {
		t.Fatalf("list %s: %v", kind, err)
	}
	return out
}

func practitionerNamed(t *testing.T, s *referralSite, api context.Context, given, family string) string {
	t.Helper()
	r, err := s.directory.ListPractitioners(api, &directoryv1.ListPractitionersRequest{PageSize: 1000})
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range r.GetPractitioners() {
		if p.GetGivenName() == given && p.GetFamilyName() == family {
			return p.GetName()
		}
	}
	t.Fatalf("no practitioner %s %s", given, family)
	return ""
}

// A directory administrator gives a programme and its organisation their French text in the
// browser: the French fields are marked French; a French description without a French name is
// refused beside the name and stores nothing; the saved French shows on the programme page in
// French; a Spanish text the form does not show stays; emptying the French fields takes the
// French text away, and the page in French falls back to the English.
func TestBrowserAdminEditsFrenchText(t *testing.T) {
	s := startReferralSite(t)
	api := s.adminAPI()
	org, err := s.directory.CreateOrganization(api, &directoryv1.CreateOrganizationRequest{
		Organization: &directoryv1.Organization{DisplayName: "Harbourfront Walkers"}})
	if err != nil {
		t.Fatal(err)
	}
	spanish := &directoryv1.LocalizedText{LanguageCode: "es", DisplayName: "Paseo por el puerto"}
	svc, err := s.directory.CreateService(api, &directoryv1.CreateServiceRequest{Service: &directoryv1.Service{
		Organization: org.GetName(), DisplayName: "Harbour walk", Description: "An easy walk along the water, then tea.",
		Translations: []*directoryv1.LocalizedText{spanish}}})
	if err != nil {
		t.Fatal(err)
	}
	svcID, orgID := strings.TrimPrefix(svc.GetName(), "services/"), strings.TrimPrefix(org.GetName(), "organizations/")
	translations := func() []string {
		t.Helper()
		got, err := s.directory.GetService(api, &directoryv1.GetServiceRequest{Name: svc.GetName()})
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, tr := range got.GetTranslations() {
			out = append(out, tr.GetLanguageCode()+": "+tr.GetDisplayName()+" / "+tr.GetDescription())
		}
		return out
	}
	ctx := newBrowser(t)
	viewport(t, ctx, 1280, 900)
	actAs(t, ctx, s.base, demodata.DirectoryAdminNetwork)

	visit(t, ctx, s.base+"/admin/services/"+svcID)
	if got := text(t, ctx, `label[for="d_fr_display_name"]`); got != "Name in French (optional)" {
		t.Fatalf("the French name's label: %q", got)
	}
	if got := eval[string](t, ctx, `document.getElementById("d_fr_display_name").lang + " " + document.getElementById("d_fr_description").lang`); got != "fr fr" {
		t.Fatalf("the French fields are marked lang %q", got)
	}
	const nameFr, descriptionFr = "Promenade au port", "Une promenade facile au bord de l’eau, puis un thé."
	setField(t, ctx, "d_fr_description", descriptionFr)
	follow(t, ctx, "#save")
	if got := text(t, ctx, "#d_fr_display_name-error"); got != "Give the French name too (up to 200 characters), or leave the French description empty." {
		t.Fatalf("a French description without a French name: %q", got)
	}
	if got := eval[string](t, ctx, `document.getElementById("d_fr_description").value`); got != descriptionFr {
		t.Fatalf("the refused form lost the French description: %q", got)
	}
	if got := translations(); strings.Join(got, "|") != "es: Paseo por el puerto / " {
		t.Fatalf("a refused form changed the translations: %q", got)
	}
	checkA11y(t, ctx, "admin edit programme: French description without its name")
	// Too long, as the directory says, told beside the description itself.
	setField(t, ctx, "d_fr_display_name", "Promenade au port")
	setField(t, ctx, "d_fr_description", strings.Repeat("é", 4001))
	follow(t, ctx, "#save")
	if got := text(t, ctx, "#d_fr_description-error"); got != "Use at most 4000 characters." {
		t.Fatalf("a French description of 4,001 characters: %q", got)
	}
	if n := eval[int](t, ctx, `document.querySelectorAll("#d_fr_display_name-error").length`); n != 0 {
		t.Fatalf("a long French description also marked the French name")
	}
	if got := translations(); strings.Join(got, "|") != "es: Paseo por el puerto / " {
		t.Fatalf("a refused form changed the translations: %q", got)
	}
	setField(t, ctx, "d_fr_description", descriptionFr)
	setField(t, ctx, "d_fr_display_name", nameFr)
	follow(t, ctx, "#save")
	if got := text(t, ctx, "#flash"); got != "Saved: Harbour walk" {
		t.Fatalf("the confirmation after saving the French text: %q", got)
	}
	if got := translations(); strings.Join(got, "|") != "fr: "+nameFr+" / "+descriptionFr+"|es: Paseo por el puerto / " {
		t.Fatalf("the translations after saving the French text: %q", got)
	}

	// The organisation's French name, in its own form.
	visit(t, ctx, s.base+"/admin/organizations/"+orgID)
	setField(t, ctx, "d_fr_display_name", "Marcheurs du bord de l’eau")
	follow(t, ctx, "#save")
	gotOrg, err := s.directory.GetOrganization(api, &directoryv1.GetOrganizationRequest{Name: org.GetName()})
	if err != nil || len(gotOrg.GetTranslations()) != 1 || gotOrg.GetTranslations()[0].GetDisplayName() != "Marcheurs du bord de l’eau" ||
		gotOrg.GetDisplayName() != "Harbourfront Walkers" {
		t.Fatalf("the organisation after saving its French name: %v %v", gotOrg, err)
	}

	// The programme page, in French.
	acceptLanguage(t, ctx, "fr-CA,fr;q=0.9")
	visit(t, ctx, s.base+"/directory/services/"+svcID)
	if got := text(t, ctx, "h1"); got != nameFr {
		t.Fatalf("the programme page in French: %q", got)
	}
	if got := text(t, ctx, ".description"); got != descriptionFr {
		t.Fatalf("the programme's description in French: %q", got)
	}
	checkA11y(t, ctx, "programme with the French text an administrator gave it")

	// The French fields emptied, in the French form: the French text goes, the Spanish stays.
	visit(t, ctx, s.base+"/admin/services/"+svcID)
	if got := eval[string](t, ctx, `document.getElementById("d_fr_display_name").value`); got != nameFr {
		t.Fatalf("the edit form's French name: %q", got)
	}
	if got := eval[string](t, ctx, `document.getElementById("d_display_name").value`); got != "Harbour walk" {
		t.Fatalf("the edit form in French shows the programme's own name as %q", got)
	}
	checkA11y(t, ctx, "admin edit programme in French")
	setField(t, ctx, "d_fr_display_name", "")
	setField(t, ctx, "d_fr_description", "")
	follow(t, ctx, "#save")
	if got := translations(); strings.Join(got, "|") != "es: Paseo por el puerto / " {
		t.Fatalf("the translations after emptying the French fields: %q", got)
	}
	visit(t, ctx, s.base+"/directory/services/"+svcID)
	if got := text(t, ctx, "h1"); got != "Harbour walk" {
		t.Fatalf("the programme page in French without French text: %q", got)
	}
}
