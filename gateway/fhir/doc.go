// Package fhir serves a FHIR R4 facade of socialrx at /fhir/r4: referrals as the HL7 Gravity SDOH
// Clinical Care resources (ServiceRequest, Task for referral management, Patient, Consent, Goal,
// Observation, Procedure) and the directory as Organization, Location and HealthcareService.
//
// It keeps nothing of its own: every request is translated to the services' gRPC APIs and made
// with the caller's own token, so the services' policy decides what the caller may see and do,
// and every answer is translated back. Resources are built and read as the R4 protos of
// github.com/google/fhir/go and go through its JSON marshaller, whose unmarshaller validates what
// callers send. The caller's SMART scopes (system/Task.rs ...) narrow what its roles allow.
package fhir
