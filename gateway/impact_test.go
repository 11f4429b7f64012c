package gateway_test

import (
	"context"
	"encoding/csv"
	"fmt"
	"io"
	"math"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"gonum.org/v1/gonum/stat/distuv"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/socialrx/socialrx/gateway"
	"github.com/socialrx/socialrx/gateway/gatewaytest"
	directoryv1 "github.com/socialrx/socialrx/proto/socialrx/directory/v1"
	eventv1 "github.com/socialrx/socialrx/proto/socialrx/event/v1"
	referralv1 "github.com/socialrx/socialrx/proto/socialrx/referral/v1"
	"github.com/socialrx/socialrx/services/directory/directorytest"
	"github.com/socialrx/socialrx/services/event/eventtest"
	"github.com/socialrx/socialrx/services/platform/auth"
	"github.com/socialrx/socialrx/services/platform/testenv"
	"github.com/socialrx/socialrx/services/referral/referraltest"
)

// The scenario's four event categories; the third is the one where only 3 people attend.
var scenarioCategories = []eventv1.EventCategory{eventv1.EventCategory_EVENT_CATEGORY_ART_ON_PRESCRIPTION,
	eventv1.EventCategory_EVENT_CATEGORY_COMMUNITY_COOKING_CLASS, eventv1.EventCategory_EVENT_CATEGORY_NATURE_ON_PRESCRIPTION,
	eventv1.EventCategory_EVENT_CATEGORY_STORYTELLING_CIRCLE}

// plan is what happens to one person of the scenario.
type plan struct {
	centre             int
	reject, fail       bool
	rejectReason       string
	acceptH, contactH  int // hours after sending
	category           int // -1: not booked
	attend, followUp   bool
	given, family, dob string
	email, phone       string
	lang               string
	ucla, ons, swem    [2][]int32 // baseline, follow-up
}

// scenarioPlans are 66 people across three centres.
func scenarioPlans() []plan {
	var ps []plan
	nature := 0
	for i := range 66 {
		p := plan{centre: i % 3, category: -1, given: fmt.Sprintf("Zephyrine%02d", i), family: fmt.Sprintf("Quillfeather%02d", i),
			dob: fmt.Sprintf("19%02d-0%d-1%d", 40+i%60, 1+i%9, i%10), email: fmt.Sprintf("zq%02d@example.org", i),
			phone: fmt.Sprintf("416-555-01%02d", i), lang: []string{"fr", "en", "en"}[i%3]}
		switch {
		case i%11 == 5:
			p.reject, p.rejectReason = true, []string{"no capacity", "Not eligible"}[i%2]
		case i%13 == 7:
			p.fail, p.acceptH = true, 1+i%7
		default:
			p.acceptH, p.contactH = 1+i%7, 1+i%7+1+i%3
			p.category = i % 4
			p.attend = true
			if p.category == 2 {
				p.attend = nature < 3
				nature++
			}
			if i%9 == 4 {
				p.attend = false
			}
			p.followUp = i%6 != 1
			p.ucla[0] = []int32{int32(2 + i%2), 3, int32(1 + i%3)}
			p.ons[0] = []int32{int32(4 + i%3), 5, int32(4 + i%4), int32(6 - i%3)}
			p.swem[0] = []int32{2, 2, 3, 2, 2, 3, int32(2 + i%2)}
			if p.attend {
				p.ucla[1] = []int32{int32(1 + i%2), 2, int32(1 + i%3/2)}
				p.ons[1] = []int32{int32(6 + i%3), 6, int32(6 + i%4), int32(4 - i%3)}
				p.swem[1] = []int32{3, 3, 3, 3, 4, 3, int32(3 + i%2)}
			} else {
				p.ucla[1] = []int32{int32(2 + i%2), int32(3 - i%2), int32(1 + i%3)}
				p.ons[1] = []int32{int32(4 + i%3), int32(5 + i%2), int32(4 + i%4), int32(6 - i%3)}
				p.swem[1] = []int32{2, 3, 3, 2, 2, 3, int32(2 + i%2)}
			}
		}
		ps = append(ps, p)
	}
	return ps
}

// swemwbsMetricScores is the published raw-to-metric conversion of SWEMWBS, raw 7 to 35.
var swemwbsMetricScores = []float64{7.00, 9.51, 11.25, 12.40, 13.33, 14.08, 14.75, 15.32, 15.84, 16.36, 16.88, 17.43,
	17.98, 18.59, 19.25, 19.98, 20.73, 21.54, 22.35, 23.21, 24.11, 25.03, 26.02, 27.03, 28.13, 29.31, 30.70, 32.55, 35.00}

func sum32(xs []int32) (s int32) {
	for _, x := range xs {
		s += x
	}
	return s
}

// changes are the scenario's own baseline to follow-up changes of metric, for those who attended
// (or not): computed from the plans, not by the service.
func (p plan) change(metric string) float64 {
	switch metric {
	case "UCLA3_TOTAL":
		return float64(sum32(p.ucla[1]) - sum32(p.ucla[0]))
	case "SWEMWBS_METRIC":
		return swemwbsMetricScores[sum32(p.swem[1])-7] - swemwbsMetricScores[sum32(p.swem[0])-7]
	}
	item := map[string]int{"ONS4_LIFE_SATISFACTION": 0, "ONS4_WORTHWHILE": 1, "ONS4_HAPPINESS": 2, "ONS4_ANXIETY": 3}[metric]
	return float64(p.ons[1][item] - p.ons[0][item])
}

// nearestRank is the smallest value with at least ceil(q*n) values at or below it.
func nearestRank(xs []int, q float64) int {
	s := slices.Clone(xs)
	slices.Sort(s)
	return s[int(math.Ceil(q*float64(len(s))))-1]
}

func meanCI(xs []float64) (mean, low, high float64) {
	n := float64(len(xs))
	for _, x := range xs {
		mean += x
	}
	mean /= n
	var ss float64
	for _, x := range xs {
		ss += (x - mean) * (x - mean)
	}
	half := distuv.StudentsT{Mu: 0, Sigma: 1, Nu: n - 1}.Quantile(0.975) * math.Sqrt(ss/(n-1)) / math.Sqrt(n)
	return mean, mean - half, mean + half
}

// expectCount is how a count reads: "<5" from 1 to 4.
func expectCount(n int) string {
	if n > 0 && n < 5 {
		return "<5"
	}
	return fmt.Sprint(n)
}

func cell(t *testing.T, tb *referralv1.ImpactTable, row, col string) *referralv1.ImpactCell {
	t.Helper()
	ci := slices.IndexFunc(tb.GetColumns(), func(c *referralv1.ImpactColumn) bool { return c.GetKey() == col })
	ri := slices.IndexFunc(tb.GetRows(), func(r *referralv1.ImpactRow) bool { return r.GetKey() == row })
	if ci < 0 || ri < 0 {
		t.Fatalf("table %s has no cell %s/%s", tb.GetId(), row, col)
	}
	return tb.GetRows()[ri].GetCells()[ci]
}

func table(t *testing.T, r *referralv1.ImpactReport, id string) *referralv1.ImpactTable {
	t.Helper()
	for _, tb := range r.GetTables() {
		if tb.GetId() == id {
			return tb
		}
	}
	t.Fatalf("report has no table %s", id)
	return nil
}

// TestImpactScenario drives 66 referrals across three centres and four event categories through
// the API, with a clock that moves by whole hours, and checks the report against figures the
// test works out from its own plan.
func TestImpactScenario(t *testing.T) {
	// Some 900 calls: longer than ctxT's three minutes under the race detector.
	ctx, cancel := context.WithTimeout(context.Background(), 12*time.Minute)
	t.Cleanup(cancel)
	ctx = as(ctx, clinicianID)
	admin := as(ctx, adminID)
	clock := testenv.NewClock(time.Now().UTC().Truncate(time.Hour))
	dir := directorytest.Start(t, directorytest.Options{Database: testenv.DatabaseName(t)})
	referraltest.SeedDirectory(admin, t, dir.Client)
	centres := []string{chc, "organizations/chc2", "organizations/chc3"}
	workers := []auth.Identity{linkWorkerID}
	for i, id := range []string{"chc2", "chc3"} {
		if _, err := dir.Client.CreateOrganization(admin, &directoryv1.CreateOrganizationRequest{OrganizationId: id,
			Organization: &directoryv1.Organization{DisplayName: fmt.Sprintf("Centre %d", i+2), MemberCentre: true}}); err != nil {
			t.Fatal(err)
		}
		lw := "lw-" + id
		if _, err := dir.Client.CreatePractitioner(admin, &directoryv1.CreatePractitionerRequest{PractitionerId: lw, Practitioner: &directoryv1.Practitioner{
			Organization: centres[i+1], GivenName: "Link", FamilyName: "Worker", Role: directoryv1.PractitionerRole_PRACTITIONER_ROLE_LINK_WORKER}}); err != nil {
			t.Fatal(err)
		}
		workers = append(workers, auth.Identity{Subject: "practitioners/" + lw, Organization: centres[i+1], Roles: []string{auth.RoleLinkWorker}})
	}
	events := eventtest.Start(t, eventtest.Options{Database: testenv.DatabaseName(t), DirectoryAddr: dir.Addr, Now: clock.Now})
	t0 := clock.Now()
	begin := t0.Add(48 * time.Hour)
	var sessions []string
	for i, c := range scenarioCategories {
		ev, err := events.Client.CreateEvent(host(ctx), &eventv1.CreateEventRequest{EventId: fmt.Sprintf("ev%d", i), Event: &eventv1.Event{
			Title: fmt.Sprintf("Activity %d", i), Category: c, HostOrganization: chc, OnlineUrl: "https://meet.example.org/a"}})
		if err != nil {
			t.Fatal(err)
		}
		ss, err := events.Client.CreateSession(host(ctx), &eventv1.CreateSessionRequest{Parent: ev.GetName(), SessionId: "s", Session: &eventv1.Session{
			StartTime: timestamppb.New(begin), EndTime: timestamppb.New(begin.Add(2 * time.Hour)), TimeZone: "America/Toronto", Capacity: 100}})
		if err != nil {
			t.Fatal(err)
		}
		mustDo(t, func() error {
			_, err := events.Client.SubmitEvent(host(ctx), &eventv1.SubmitEventRequest{Name: ev.GetName()})
			return err
		})
		mustDo(t, func() error {
			_, err := events.Client.PublishEvent(as(ctx, moderatorID), &eventv1.PublishEventRequest{Name: ev.GetName()})
			return err
		})
		sessions = append(sessions, ss.GetName())
	}
	ref := referraltest.Start(t, referraltest.Options{Database: testenv.DatabaseName(t), DirectoryAddr: dir.Addr, EventAddr: events.Addr, Now: clock.Now})
	base := gatewaytest.Start(t, gateway.Config{DirectoryAddr: dir.Addr, EventAddr: events.Addr, ReferralAddr: ref.Addr})
	rc := ref.Client
	imp := referralv1.NewImpactServiceClient(ref.Conn)

	plans := scenarioPlans()
	names := make([]string, len(plans))
	for i, p := range plans {
		d := referraltest.Draft(true)
		d.Subject = &referralv1.Subject{GivenName: p.given, FamilyName: p.family, DateOfBirth: p.dob, Email: p.email, Phone: p.phone, PreferredLanguage: p.lang}
		d.ReceivingOrganization = centres[p.centre]
		d.Consent.GrantTime = timestamppb.New(clock.Now().Add(-time.Minute))
		r, err := rc.CreateReferral(ctx, &referralv1.CreateReferralRequest{Referral: d})
		if err != nil {
			t.Fatal(err)
		}
		names[i] = r.GetName()
		mustDo(t, func() error {
			_, err := rc.SubmitReferral(ctx, &referralv1.SubmitReferralRequest{Name: names[i]})
			return err
		})
	}
	lw := func(i int) context.Context { return as(ctx, workers[plans[i].centre]) }
	for h := 1; h <= 12; h++ {
		clock.Advance(time.Hour)
		for i, p := range plans {
			if h == 1 && p.reject {
				mustDo(t, func() error {
					_, err := rc.RejectReferral(lw(i), &referralv1.RejectReferralRequest{Name: names[i], Reason: p.rejectReason})
					return err
				})
			}
			if !p.reject && p.acceptH == h {
				mustDo(t, func() error {
					_, err := rc.AcceptReferral(lw(i), &referralv1.AcceptReferralRequest{Name: names[i], Assignee: workers[p.centre].Subject})
					return err
				})
			}
			if p.contactH == h {
				mustDo(t, func() error {
					_, err := rc.AddTimelineNote(lw(i), &referralv1.AddTimelineNoteRequest{Name: names[i],
						Kind: referralv1.TimelineKind_TIMELINE_KIND_CONTACT_ATTEMPT, Note: "phoned"})
					return err
				})
			}
		}
	}
	record := func(i int, tp referralv1.Timepoint, which int) {
		p := plans[i]
		for _, m := range []struct {
			in    referralv1.Instrument
			items []int32
		}{{referralv1.Instrument_INSTRUMENT_UCLA3, p.ucla[which]}, {referralv1.Instrument_INSTRUMENT_ONS4, p.ons[which]},
			{referralv1.Instrument_INSTRUMENT_SWEMWBS, p.swem[which]}} {
			mustDo(t, func() error {
				_, err := rc.RecordMeasure(lw(i), &referralv1.RecordMeasureRequest{Name: names[i], Instrument: m.in, Timepoint: tp, Items: m.items})
				return err
			})
		}
	}
	registrations := map[int]string{}
	for i, p := range plans {
		switch {
		case p.fail:
			mustDo(t, func() error {
				_, err := rc.FailReferral(lw(i), &referralv1.FailReferralRequest{Name: names[i], Reason: "could not contact"})
				return err
			})
		case p.category >= 0:
			mustDo(t, func() error {
				_, err := rc.StartReferral(lw(i), &referralv1.StartReferralRequest{Name: names[i]})
				return err
			})
			record(i, referralv1.Timepoint_TIMEPOINT_BASELINE, 0)
			b, err := rc.BookEvent(lw(i), &referralv1.BookEventRequest{Name: names[i], Session: sessions[p.category]})
			if err != nil {
				t.Fatal(err)
			}
			registrations[i] = b.GetBookings()[0].GetRegistration()
		}
	}
	// Check-in opens two hours before the start: 47 hours after the referrals were sent.
	clock.Advance(begin.Add(-time.Hour).Sub(clock.Now()))
	for i, p := range plans {
		if p.attend {
			mustDo(t, func() error {
				_, err := events.Client.CheckInRegistration(host(ctx), &eventv1.CheckInRegistrationRequest{Name: registrations[i]})
				return err
			})
		}
	}
	settled := func(state string, want func(plan) bool) {
		for i, p := range plans {
			if !want(p) {
				continue
			}
			testenv.Eventually(t, 20*time.Second, "booking "+state, func() bool {
				r, err := rc.GetReferral(lw(i), &referralv1.GetReferralRequest{Name: names[i]})
				return err == nil && len(r.GetBookings()) == 1 && r.GetBookings()[0].GetState() == state
			})
		}
	}
	settled("ATTENDED", func(p plan) bool { return p.attend })
	clock.Advance(begin.Add(3 * time.Hour).Sub(clock.Now()))
	for _, s := range sessions {
		mustDo(t, func() error {
			_, err := events.Client.MarkNoShows(host(ctx), &eventv1.MarkNoShowsRequest{Name: s})
			return err
		})
	}
	settled("NO_SHOW", func(p plan) bool { return p.category >= 0 && !p.attend })
	for i, p := range plans {
		if p.category >= 0 && p.followUp {
			record(i, referralv1.Timepoint_TIMEPOINT_FOLLOW_UP, 1)
			if p.attend {
				mustDo(t, func() error {
					_, err := rc.CompleteReferral(lw(i), &referralv1.CompleteReferralRequest{Name: names[i]})
					return err
				})
			}
		}
	}

	// What the report must say, from the plans alone.
	stages := map[string][3]int{}
	var accepted, contacted, attendedH []int
	att := map[int][2]int{} // category -> booked, attended
	for _, p := range plans {
		add := func(stage string) { s := stages[stage]; s[p.centre]++; stages[stage] = s }
		add("CREATED")
		add("SENT")
		if !p.reject {
			add("ACCEPTED")
			accepted = append(accepted, p.acceptH)
		}
		if p.category >= 0 {
			add("STARTED")
			add("BOOKED")
			contacted = append(contacted, p.contactH)
			a := att[p.category]
			a[0]++
			if p.attend {
				a[1]++
				add("ATTENDED")
				attendedH = append(attendedH, 47)
			}
			att[p.category] = a
		}
		if p.attend && p.followUp {
			add("COMPLETED")
		}
	}
	analyst := as(ctx, auth.Identity{Subject: "practitioners/analyst", Organization: "organizations/alliance", Roles: []string{auth.RoleNetworkAnalyst}})
	rep, err := imp.GetImpactReport(analyst, &referralv1.GetImpactReportRequest{})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(rep.GetReceivingOrganizations(), centres) {
		t.Fatalf("analyst's report covers %v, want %v", rep.GetReceivingOrganizations(), centres)
	}
	funnel := table(t, rep, "funnel")
	for stage, per := range stages {
		total := per[0] + per[1] + per[2]
		if got := cell(t, funnel, stage, "TOTAL").GetText(); got != expectCount(total) {
			t.Errorf("funnel %s total = %s, want %d", stage, got, total)
		}
		for c, n := range per {
			if got := cell(t, funnel, stage, centres[c]); n >= 5 && got.GetText() != fmt.Sprint(n) && !got.GetSuppressed() {
				t.Errorf("funnel %s at %s = %s, want %d", stage, centres[c], got.GetText(), n)
			}
		}
	}
	timely := table(t, rep, "timeliness")
	for _, w := range []struct {
		row string
		hs  []int
	}{{"SENT_TO_ACCEPTED", accepted}, {"SENT_TO_FIRST_CONTACT", contacted}, {"SENT_TO_FIRST_ATTENDED", attendedH}} {
		if got, want := cell(t, timely, w.row, "N").GetText(), fmt.Sprint(len(w.hs)); got != want {
			t.Errorf("%s n = %s, want %s", w.row, got, want)
		}
		if got, want := cell(t, timely, w.row, "MEDIAN_HOURS").GetText(), fmt.Sprint(nearestRank(w.hs, 0.5)); got != want {
			t.Errorf("%s median = %s h, want %s", w.row, got, want)
		}
		if got, want := cell(t, timely, w.row, "P90_HOURS").GetText(), fmt.Sprint(nearestRank(w.hs, 0.9)); got != want {
			t.Errorf("%s p90 = %s h, want %s", w.row, got, want)
		}
	}
	for _, m := range []string{"UCLA3_TOTAL", "ONS4_LIFE_SATISFACTION", "ONS4_WORTHWHILE", "ONS4_HAPPINESS", "ONS4_ANXIETY", "SWEMWBS_METRIC"} {
		tb := table(t, rep, "outcome_"+strings.ToLower(m))
		for _, g := range []struct {
			col      string
			attended bool
		}{{"ATTENDED", true}, {"NOT_ATTENDED", false}} {
			var xs []float64
			for _, p := range plans {
				if p.category >= 0 && p.followUp && p.attend == g.attended {
					xs = append(xs, p.change(m))
				}
			}
			if got := cell(t, tb, "ALL", g.col+"_N").GetText(); got != expectCount(len(xs)) {
				t.Fatalf("%s %s n = %s, want %d", m, g.col, got, len(xs))
			}
			if len(xs) < 5 {
				t.Fatalf("%s %s: the scenario should give at least 5 people, has %d", m, g.col, len(xs))
			}
			mean, low, high := meanCI(xs)
			for _, s := range []struct {
				col  string
				want float64
			}{{"_MEAN", mean}, {"_CI_LOW", low}, {"_CI_HIGH", high}} {
				if got := cell(t, tb, "ALL", g.col+s.col).GetText(); got != fmt.Sprintf("%.2f", s.want) {
					t.Errorf("%s %s%s = %s, want %.2f", m, g.col, s.col, got, s.want)
				}
			}
		}
	}
	byCat := table(t, rep, "attendance_by_category")
	for k, a := range att {
		row := strings.TrimPrefix(scenarioCategories[k].String(), "EVENT_CATEGORY_")
		if got := cell(t, byCat, row, "BOOKED").GetText(); got != expectCount(a[0]) {
			t.Errorf("%s booked = %s, want %d", row, got, a[0])
		}
		if got := cell(t, byCat, row, "ATTENDED").GetText(); got != expectCount(a[1]) && !(a[1] >= 5 && got == "<5") {
			t.Errorf("%s attended = %s, want %d", row, got, a[1])
		}
	}
	if a := att[2]; a[1] != 3 {
		t.Fatalf("the scenario should have 3 attending nature on prescription, has %d", a[1])
	}

	// The cell of 3 reads "<5" and the ATTENDED column keeps another cell back: gRPC and JSON.
	threeHidden := func(what string, column []string, three string) {
		t.Helper()
		if three != "<5" {
			t.Errorf("%s: the nature attendance of 3 reads %q, want <5", what, three)
		}
		if n := slices.Index(column, "<5"); n < 0 || strings.Count(strings.Join(column, "|"), "<5") < 2 {
			t.Errorf("%s: the attended column %v withholds only the 3, which its total gives away", what, column)
		}
	}
	column := func(tb *referralv1.ImpactTable) (col []string) {
		for _, r := range tb.GetRows() {
			col = append(col, cell(t, tb, r.GetKey(), "ATTENDED").GetText())
		}
		return col
	}
	threeHidden("gRPC", column(byCat), cell(t, byCat, "NATURE_ON_PRESCRIPTION", "ATTENDED").GetText())

	resp, err := http.Get(base + "/v1/impactReport")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	var public referralv1.ImpactReport
	if err := protojson.Unmarshal(body, &public); err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("GET /v1/impactReport: %d %v %s", resp.StatusCode, err, body)
	}
	if len(public.GetReceivingOrganizations()) != 0 || len(table(t, &public, "funnel").GetColumns()) != 1 {
		t.Fatalf("the public report names centres: %v", public.GetReceivingOrganizations())
	}
	pubCat := table(t, &public, "attendance_by_category")
	threeHidden("JSON", column(pubCat), cell(t, pubCat, "NATURE_ON_PRESCRIPTION", "ATTENDED").GetText())
	if v := cell(t, pubCat, "NATURE_ON_PRESCRIPTION", "ATTENDED"); v.Value != nil {
		t.Fatalf("the suppressed cell carries its value %v in JSON", v.GetValue())
	}

	resp, err = http.Get(base + "/v1/impactReport:export")
	if err != nil {
		t.Fatal(err)
	}
	recs, err := csv.NewReader(resp.Body).ReadAll()
	resp.Body.Close()
	if err != nil || resp.StatusCode != http.StatusOK || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/csv") {
		t.Fatalf("CSV export: %d %s %v", resp.StatusCode, resp.Header.Get("Content-Type"), err)
	}
	if !slices.Equal(recs[0], []string{"table", "row", "label", "column", "value"}) {
		t.Fatalf("CSV header %v", recs[0])
	}
	var csvCol []string
	var csvThree string
	for _, r := range recs[1:] {
		if r[0] == "attendance_by_category" && r[3] == "ATTENDED" {
			csvCol = append(csvCol, r[4])
			if r[1] == "NATURE_ON_PRESCRIPTION" {
				csvThree = r[4]
			}
		}
	}
	threeHidden("CSV", csvCol, csvThree)

	resp, err = http.Get(base + "/impact")
	if err != nil {
		t.Fatal(err)
	}
	page, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET /impact: %d", resp.StatusCode)
	}
	html := string(page)
	for _, p := range plans {
		for _, secret := range []string{p.given, p.family, p.dob, p.email, p.phone} {
			if strings.Contains(html, secret) {
				t.Fatalf("the public impact page shows %q", secret)
			}
		}
	}
	tableHTML := regexp.MustCompile(`(?s)<table class="impact" id="table-attendance_by_category">.*?</table>`).FindString(html)
	var pageCol []string
	for _, row := range regexp.MustCompile(`(?s)<tr><th scope="row">([^<]*)</th>(.*?)</tr>`).FindAllStringSubmatch(tableHTML, -1) {
		cells := regexp.MustCompile(`<td[^>]*>([^<]*)</td>`).FindAllStringSubmatch(row[2], -1)
		if len(cells) < 2 {
			t.Fatalf("attendance row %q has %d cells", row[1], len(cells))
		}
		pageCol = append(pageCol, strings.ReplaceAll(cells[1][1], "&lt;", "<"))
	}
	if len(pageCol) != len(pubCat.GetRows()) {
		t.Fatalf("the page's attendance table has %d rows, the report %d", len(pageCol), len(pubCat.GetRows()))
	}
	threeHidden("page", pageCol, pageCol[slices.IndexFunc(pubCat.GetRows(), func(r *referralv1.ImpactRow) bool { return r.GetKey() == "NATURE_ON_PRESCRIPTION" })])
	if strings.Count(html, `<svg role="img"`) != 3 {
		t.Errorf("the page has %d charts, want 3", strings.Count(html, `<svg role="img"`))
	}

	// A centre's manager sees their centre only.
	manager := as(ctx, auth.Identity{Subject: "practitioners/mgr", Organization: centres[1], Roles: []string{auth.RoleCentreManager}})
	mine, err := imp.GetImpactReport(manager, &referralv1.GetImpactReportRequest{})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(mine.GetReceivingOrganizations(), centres[1:2]) {
		t.Fatalf("manager of %s sees %v", centres[1], mine.GetReceivingOrganizations())
	}
	if got, want := cell(t, table(t, mine, "funnel"), "CREATED", "TOTAL").GetText(), fmt.Sprint(stages["CREATED"][1]); got != want {
		t.Fatalf("manager's created total = %s, want their centre's %s", got, want)
	}
	other, err := imp.GetImpactReport(manager, &referralv1.GetImpactReportRequest{ReceivingOrganization: centres[0]})
	if err != nil {
		t.Fatal(err)
	}
	if got := cell(t, table(t, other, "funnel"), "CREATED", "TOTAL").GetText(); got != "0" {
		t.Fatalf("manager asking for another centre gets %s referrals, want 0", got)
	}
}
