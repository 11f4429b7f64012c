package store

import (
	"go.mongodb.org/mongo-driver/v2/mongo"

	"github.com/socialrx/socialrx/services/platform/audit"
)

// Audit is the collection of the audit trail of registrants' contact details.
const Audit = "audit"

// OpenAudit returns the audit trail kept beside the ledger in db.
func OpenAudit(db *mongo.Database) *audit.Log { return audit.New(db, Audit, nil) }
