package io.guestdata.core.document;

import io.guestdata.core.UserData;
import java.util.Optional;

/**
 * {@code user_data}: base64 text of at most 65535 characters (the compute API schema's
 * {@code maxLength}, counted on the base64 text), decoded as Python's non-strict
 * {@code b64decode} (nova-compat.md §8, {@link Base64Text}). Kept as Nova keeps it: the text as
 * submitted and the bytes it decodes to.
 */
final class UserDataRules {

    private UserDataRules() {
    }

    static Optional<UserData> read(Members members, Limits limits) {
        return members.string("user_data", false).flatMap(text -> {
            int length = TextLength.of(text);
            if (Limits.exceeds(length, limits.userDataLength())) {
                members.errors().add(members.at("user_data"), "user_data.length", "user data may have at most "
                        + limits.userDataLength() + " characters of base64 text, has " + length,
                        TextLength.characters(limits.userDataLength()));
                return Optional.empty();
            }
            try {
                return Optional.of(new UserData(text, Base64Text.decodeLenient(text)));
            } catch (Base64Text.MalformedException e) {
                members.errors().add(members.at("user_data"), "user_data.base64",
                        "user data is not valid base64: " + e.getMessage());
                return Optional.empty();
            }
        });
    }
}
