"""Request examples of the OpenAPI document, sent as they stand by tests-e2e/test_loans.py (which puts in a
real loan, its order number, its dates and amounts that fit its schedule)."""

REPAYMENT = {"paid_on": "2026-12-31", "principal": 1, "interest": 0.05, "reference": "HX2026123100017"}
WRITE_OFF = {"reason": "企业已进入破产清算程序，经追偿无果，按内部核销制度审批核销"}
BUSINESS_DATE = {"date": "2027-04-01"}
# One CSV file, columns as GET /loans/repayments/import documents them.
REPAYMENT_CSV = ("order_no,paid_on,principal,interest,reference\r\n"
                 "XC20261201000017,2026-12-31,1,0.05,HX2026123100018\r\n")
REPAYMENT_IMPORT = {"file": REPAYMENT_CSV}

# Government instruments (tests-e2e/test_instruments.py sends these with its own region, loans and dates).
FUND = {"name": "许昌市普惠小微贷款风险补偿资金池", "region_code": "411000", "budget": 5000, "share_percent": 40,
        "cap_per_loan": 200, "institution_types": ["bank", "guarantee"], "whitelisted_only": False,
        "loans_from": "2026-01-01", "loans_to": "2027-12-31", "claims_until": "2028-12-31"}
TOP_UP = {"amount": 1000, "note": "2027 年度市级财政追加"}
CLAIM_UPLOAD = {"loan_id": 1, "loss_principal": 80, "note": "借款企业停产，抵押物处置后仍有损失",
                "evidence": ["催收记录.pdf"]}
CLAIM_APPROVE = {"amount": 32}
REJECT = {"reason": "证明材料不全，请补充法院判决书后重新申请"}
PAYMENT = {"paid_on": "2027-06-30", "reference": "CZ20270630001"}
PROGRAM = {"name": "许昌市首贷贴息", "region_code": "411000", "share_percent": 50, "first_loan_only": True,
           "whitelisted_only": False, "cap_per_enterprise": 10, "budget": 500, "loans_from": "2026-01-01",
           "loans_to": "2027-12-31", "apply_until": "2028-06-30"}
APPLICATION = {"loan_id": 1}
APPLICATION_APPROVE = {"amount": 0.3}
