package io.guestdata.server.metadata;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Which error body form WebOb picks for an {@code Accept} header (WebOb 1.8
 * {@code WSGIHTTPException.generate_response}): the first of {@code acceptable_offers(["text/html",
 * "application/json"])}, or plain text when neither is acceptable.
 *
 * <p>The parsing is WebOb's {@code AcceptValidHeader} (RFC 7231 §5.3.2 grammar, regexes ported as they are):
 * an invalid header makes every offer acceptable (so HTML), a missing or empty header none (so plain text).
 * So {@code Accept: *}{@code /*}, which curl and Python's requests send, gets the HTML page, and Python's
 * urllib, which sends no Accept, gets plain text — as from Nova.
 */
final class AcceptHeader {
    /** The forms of a WebOb error body. */
    enum Form { PLAIN, HTML, JSON }

    private static final String OWS = "[ \\t]*";
    private static final String TOKEN = "[!#$%&'*+\\-.^_`|~0-9A-Za-z]+";
    private static final String QVALUE = "(?:0(?:\\.[0-9]{0,3})?)|(?:1(?:\\.0{0,3})?)";
    private static final String WEIGHT = OWS + ";" + OWS + "[qQ]=(" + QVALUE + ")";
    private static final String OBS_TEXT = "\\x80-\\xff";
    private static final String QDTEXT = "[\\t \\x21\\x23-\\x5b\\x5d-\\x7e" + OBS_TEXT + "]";
    private static final String QUOTED_PAIR = "\\\\[\\t \\x21-\\x7e" + OBS_TEXT + "]";
    private static final String QUOTED_STRING = "\"(?:(?:" + QDTEXT + ")|(?:" + QUOTED_PAIR + "))*\"";
    private static final String PARAMETER = TOKEN + "=(?:(?:" + TOKEN + ")|(?:" + QUOTED_STRING + "))";
    private static final String MEDIA_RANGE = "((?:" + TOKEN + "/" + TOKEN + "))"
            + "((?:" + OWS + ";" + OWS + "(?![qQ]=)" + PARAMETER + ")*)";
    private static final String ACCEPT_EXT = OWS + ";" + OWS + TOKEN
            + "(?:=(?:(?:" + TOKEN + ")|(?:" + QUOTED_STRING + ")))?";
    private static final String ACCEPT_PARAMS = WEIGHT + "((?:" + ACCEPT_EXT + ")*)";
    private static final String ELEMENT = MEDIA_RANGE + "(?:" + ACCEPT_PARAMS + ")?";
    private static final Pattern ELEMENT_PATTERN = Pattern.compile(ELEMENT);
    /** WebOb's {@code _list_0_or_more__compiled_re}, applied with {@code re.match} (anchored at the start). */
    private static final Pattern VALID = Pattern.compile(
            "^(?:$)|(?:(?:,|(?:" + ELEMENT + "))(?:" + OWS + ",(?:" + OWS + ELEMENT + ")?)*)$");

    private static final String[] OFFERS = {"text/html", "application/json"};

    private AcceptHeader() {
    }

    /** @param value the header value (repeated headers joined with {@code ,}), or null when absent */
    static Form form(String value) {
        if (value == null) {
            value = ""; // WebOb reads environ.get('HTTP_ACCEPT', ''): absent is the empty (valid) header
        }
        if (!VALID.matcher(value).lookingAt()) {
            return Form.HTML; // AcceptInvalidHeader: every offer acceptable, in offer order
        }
        double[] quality = new double[OFFERS.length];
        int[] specificity = new int[OFFERS.length];
        Matcher m = ELEMENT_PATTERN.matcher(value);
        while (m.find()) {
            String range = m.group(1).toLowerCase(java.util.Locale.ROOT);
            boolean rangeHasParams = !m.group(2).isEmpty();
            double q = m.group(3) == null ? 1.0 : Double.parseDouble(m.group(3));
            int slash = range.indexOf('/');
            String type = range.substring(0, slash);
            String subtype = range.substring(slash + 1);
            for (int i = 0; i < OFFERS.length; i++) {
                String offer = OFFERS[i];
                int offerSlash = offer.indexOf('/');
                String offerType = offer.substring(0, offerSlash);
                int s;
                if (range.equals(offer)) {
                    if (rangeHasParams) {
                        continue; // the offers carry no parameters: a range with parameters does not match
                    }
                    s = 3;
                } else if (subtype.equals("*") && type.equals(offerType)) {
                    s = 2;
                } else if (range.equals("*/*")) {
                    s = 1;
                } else {
                    continue;
                }
                if (s > specificity[i]) { // the most specific matching range decides; the first on a tie
                    specificity[i] = s;
                    quality[i] = q;
                }
            }
        }
        int best = -1;
        for (int i = 0; i < OFFERS.length; i++) {
            if (specificity[i] > 0 && quality[i] != 0.0 && (best < 0 || quality[i] > quality[best])) {
                best = i;
            }
        }
        return best < 0 ? Form.PLAIN : best == 0 ? Form.HTML : Form.JSON;
    }
}
