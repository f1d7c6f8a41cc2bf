"""Targeting: explained pre-arrival risk scores, rules and lookouts, inspection plans under
capacity, outcomes that retrain the model (``docs/targeting.md``).

Entry points for other packages:

- ``redlane.target.screen.Screener.load(home, warehouse_path=None)`` → ``.screen(record)`` /
  ``.screen_batch(records)`` → ``ScreenResult`` (the service);
- ``redlane.target.features.open_features_connection``, ``compute_features``,
  ``labelled_features``, ``day_where``; the SQL itself is ``redlane.target.sql.feature_sql``;
- ``redlane.target.plan.make_plan`` / ``save_plan`` / ``write_holds``;
- ``redlane.target.outcomes.import_outcomes``; ``redlane.target.training.train_and_promote``,
  ``retrain``, ``drift``; ``redlane.target.loop.run_loop``.
"""
