"""Targeting: explained pre-arrival risk scores, rules and lookouts, inspection plans under
capacity, outcomes that retrain the model (``docs/targeting.md``).

Entry points for other packages:

- ``redlane.targeting.screen.Screener.load(home, warehouse_path=None)`` → ``.screen(record)`` /
  ``.screen_batch(records)`` → ``ScreenResult`` (the service);
- ``redlane.targeting.features.open_features_connection``, ``compute_features``,
  ``labelled_features``, ``day_where``; the SQL itself is ``redlane.targeting.sql.feature_sql``;
- ``redlane.targeting.plan.make_plan`` / ``save_plan`` / ``write_holds``;
- ``redlane.targeting.outcomes.import_outcomes``; ``redlane.targeting.training.train_and_promote``,
  ``retrain``, ``drift``; ``redlane.lab.targeting_loop.run_loop``.
"""
