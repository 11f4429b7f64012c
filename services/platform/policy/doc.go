// Package policy is the one place that says who may do what to which object in socialrx.
//
// It is a table: each Action lists the roles that may take it and the relation that must hold
// between the caller and the object (same organisation, assigned to them, published, ...).
// Handlers ask it twice: Method before touching storage (can this role ever do this?), then
// Decide on the loaded object's Facts. The answers map to one error convention:
//
//   - Allow.
//   - SignIn (UNAUTHENTICATED): the caller is anonymous and some signed-in role could do it.
//   - Forbidden (PERMISSION_DENIED): the caller's roles can never take this action, or the caller
//     may see the object but not change it. This never depends on whether the object exists.
//   - Hidden (NOT_FOUND): the caller's role could act on such objects but not on this one, and
//     may not see it either, so the answer is the same as for an object that does not exist.
//
// A table of plain Go predicates was chosen over a policy engine (OPA, CEL): the rules are a
// few relations between identifiers, a table is checked by the compiler, reads top to bottom
// and is unit-tested in microseconds, with no second language or runtime to deploy.
package policy
