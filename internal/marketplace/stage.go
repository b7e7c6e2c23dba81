package marketplace

import (
	"strings"

	"github.com/leadhub/leadhub/internal/lead"
)

// StageOf says how far along the buying journey a lead is, from its source
// and action (canonical or not; matching ignores case):
//
//   - a test lead is lead.StageTest;
//   - DNC is lead.StageNotifyOnly;
//   - StartTestDrive, the source TestDrive, or an action that mentions a
//     trial (such as "FreeTrial") or a test drive is lead.StageTrial;
//   - INS and Create are lead.StageActive;
//   - PLT and anything else, unknown or missing, is lead.StageInterest.
func StageOf(source, action string, isTest bool) lead.Stage {
	switch {
	case isTest:
		return lead.StageTest
	case sameName(action, ActionDNC):
		return lead.StageNotifyOnly
	case sameName(action, ActionStartTestDrive), sameName(source, SourceTestDrive), mentionsTrial(action):
		return lead.StageTrial
	case sameName(action, ActionINS), sameName(action, ActionCreate):
		return lead.StageActive
	default:
		return lead.StageInterest
	}
}

// mentionsTrial reports whether an action code names a trial or test drive.
// "Partner Led Trial", the expansion of PLT, is a request to be contacted
// and does not count.
func mentionsTrial(action string) bool {
	var b strings.Builder
	for i := 0; i < len(action); i++ {
		if c := action[i]; !isNameSep(c) {
			b.WriteByte(lowerASCII(c))
		}
	}
	a := b.String()
	if strings.Contains(a, "partnerledtrial") {
		return false
	}
	return strings.Contains(a, "trial") || strings.Contains(a, "testdrive")
}
