package importer

import (
	"context"
	"testing"
	"time"

	"github.com/socialrx/socialrx/gateway/hsds/hsdstest"

	directoryv1 "github.com/socialrx/socialrx/proto/socialrx/directory/v1"
	"github.com/socialrx/socialrx/services/directory/directorytest"
	"github.com/socialrx/socialrx/services/platform/auth"
	"github.com/socialrx/socialrx/services/platform/testenv"
)

// The importer against a real directory service on the embedded database: an HSDS document goes
// in once however often it is imported, and records the directory refuses are reported. The
// read API over the same records is tested in gateway/hsds.
func TestImportThroughRealDirectory(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	// The importer changes the directory, which needs a directory administrator.
	ctx = testenv.WithIdentity(ctx, auth.Identity{Subject: "practitioners/admin", Roles: []string{auth.RoleDirectoryAdmin}})
	dir := directorytest.Start(t, directorytest.Options{Database: testenv.DatabaseName(t)})
	im := &Importer{Client: dir.Client, Logger: testenv.Logger()}

	doc := hsdstest.WithValidCoordinates(hsdstest.Example(t, "service_full.json"))
	first, err := im.Import(ctx, doc)
	if err != nil {
		t.Fatal(err)
	}
	if first.Count(OutcomeRejected) != 0 || first.Count(OutcomeCreated) == 0 {
		t.Fatalf("first import: %+v", first.Records)
	}
	second, err := im.Import(ctx, doc)
	if err != nil {
		t.Fatal(err)
	}
	if second.Count(OutcomeCreated) != 0 || second.Count(OutcomeAlreadyPresent) != first.Count(OutcomeCreated) {
		t.Fatalf("second import created records again: %+v", second.Records)
	}
	list, err := dir.Client.ListServices(ctx, &directoryv1.ListServicesRequest{})
	if err != nil || list.GetTotalSize() != 1 {
		t.Fatalf("directory holds %d services after two imports, want 1 (%v)", list.GetTotalSize(), err)
	}

	// Impossible coordinates are rejected with a reason naming the field; nothing is stored.
	bad, err := im.Import(ctx, hsdstest.Example(t, "organization_full.json"))
	if err != nil {
		t.Fatal(err)
	}
	if bad.Count(OutcomeRejected) == 0 {
		t.Fatalf("import with latitude 100 rejected nothing: %+v", bad.Records)
	}
	for _, r := range bad.Records {
		if r.Outcome == OutcomeRejected && r.Reason == "" {
			t.Fatalf("rejection without a reason: %+v", r)
		}
	}
}
