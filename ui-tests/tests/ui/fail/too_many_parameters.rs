use toolwright::tool;

/// Store one record of 25 fields in the archive database and return the new record id.
#[allow(unused_variables)]
#[tool]
async fn store_archive_record(
    /// Value number 0 of the record, as plain text
    field_0: String,
    /// Value number 1 of the record, as plain text
    field_1: String,
    /// Value number 2 of the record, as plain text
    field_2: String,
    /// Value number 3 of the record, as plain text
    field_3: String,
    /// Value number 4 of the record, as plain text
    field_4: String,
    /// Value number 5 of the record, as plain text
    field_5: String,
    /// Value number 6 of the record, as plain text
    field_6: String,
    /// Value number 7 of the record, as plain text
    field_7: String,
    /// Value number 8 of the record, as plain text
    field_8: String,
    /// Value number 9 of the record, as plain text
    field_9: String,
    /// Value number 10 of the record, as plain text
    field_10: String,
    /// Value number 11 of the record, as plain text
    field_11: String,
    /// Value number 12 of the record, as plain text
    field_12: String,
    /// Value number 13 of the record, as plain text
    field_13: String,
    /// Value number 14 of the record, as plain text
    field_14: String,
    /// Value number 15 of the record, as plain text
    field_15: String,
    /// Value number 16 of the record, as plain text
    field_16: String,
    /// Value number 17 of the record, as plain text
    field_17: String,
    /// Value number 18 of the record, as plain text
    field_18: String,
    /// Value number 19 of the record, as plain text
    field_19: String,
    /// Value number 20 of the record, as plain text
    field_20: String,
    /// Value number 21 of the record, as plain text
    field_21: String,
    /// Value number 22 of the record, as plain text
    field_22: String,
    /// Value number 23 of the record, as plain text
    field_23: String,
    /// Value number 24 of the record, as plain text
    field_24: String,
) -> String {
    String::new()
}

fn main() {}
