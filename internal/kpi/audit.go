package kpi

// Audit actions, as recorded in AuditEntry.Action and CatalogChange.Action.
// Every package that writes or reads the audit log names them by these
// constants, so a query for one action finds every entry of it.
const (
	ActionPlanAdd      = "plan.add"      // a plan is new (or restored) in the catalog
	ActionPlanChange   = "plan.change"   // a plan's definition changed
	ActionPlanRemove   = "plan.remove"   // a stored plan is absent from the loaded catalog; kept, hidden
	ActionTargetAdd    = "target.add"    // an indicator is new (or restored)
	ActionTargetChange = "target.change" // an indicator's definition changed
	ActionTargetRemove = "target.remove" // an indicator left the catalog; its figures stay

	ActionObservationAdd    = "observation.add"    // the first figure of a period
	ActionObservationRevise = "observation.revise" // a new value for a period already reported

	ActionSubmissionReject = "submission.reject" // a submission that could not be read or taken
	ActionAccessDenied     = "access.denied"     // a missing, unknown or revoked token, or a unit not allowed

	ActionTokenCreate = "token.create"
	ActionTokenRevoke = "token.revoke"

	ActionBackup = "backup" // a hot backup was written over the API

	ActionUserCreate   = "user.create"
	ActionUserDisable  = "user.disable"
	ActionUserEnable   = "user.enable"
	ActionUserPassword = "user.password" // a password set by the operator or changed by its user

	ActionWebSignin  = "web.signin"
	ActionWebSignout = "web.signout"
)
