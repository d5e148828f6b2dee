// Reads an iCalendar stream on stdin and prints, as one JSON array, each VEVENT's UID, TZID
// and its DTSTART/DTEND as UTC instants, as Mozilla's ical.js computes them from the
// VTIMEZONEs in the stream (registered with ICAL.TimezoneService; nothing else is known to
// it). ical.js is loaded from the folder named by ICALJS_DIR (its node_modules holds ical.js).
import fs from "node:fs";
import path from "node:path";
import { createRequire } from "node:module";

const dir = process.env.ICALJS_DIR;
if (!dir) {
  console.error("ICALJS_DIR is not set");
  process.exit(2);
}
const ICAL = createRequire(path.join(path.resolve(dir), "package.json"))("ical.js");

const root = new ICAL.Component(ICAL.parse(fs.readFileSync(0, "utf8")));
for (const vtimezone of root.getAllSubcomponents("vtimezone")) {
  ICAL.TimezoneService.register(new ICAL.Timezone(vtimezone));
}

function utc(time) {
  return time ? new Date(time.toUnixTime() * 1000).toISOString().replace(".000Z", "Z") : null;
}

const events = root.getAllSubcomponents("vevent").map((vevent) => {
  const start = vevent.getFirstPropertyValue("dtstart");
  const end = vevent.getFirstPropertyValue("dtend");
  return {
    uid: vevent.getFirstPropertyValue("uid"),
    tzid: start.zone ? start.zone.tzid : null,
    dtstart: utc(start),
    dtend: utc(end),
  };
});
process.stdout.write(JSON.stringify(events));
